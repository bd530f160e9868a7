# expect: pass
#
# The ip commands of the seed's "RED <-> BLUE" section, in its order, typed as an
# answer. Left out: `sudo su -` and `whoami` (the answer already runs as the lab's
# root), `ifconfig -a` and `tree` (not always installed), the nsenter terminals
# (interactive), tcpdump and ping (they wait for input or packets; the checks ping),
# `exit`, and the final `ip netns delete` clean-up.
#
# `ip netns add RED` and `ip netns add BLUE` are kept: the exercise starts with RED and
# BLUE already made, so they fail ("File exists") and bash goes on to the next line,
# as it would in a terminal. The grader shows that output and the exit status.

# veth (가상 이더넷 디바이스) 생성, man ip-link
ip link add veth0 type veth peer name veth1

# veth 생성 확인(상태 DOWN)
ip -c link
ip -c addr

# 네트워크 네임스페이스 생성 , man ip-netns
ip netns add RED
ip netns add BLUE

# 네트워크 네임스페이스 확인
ip netns list

# veth0 을 RED 네트워크 네임스페이스로 옮김
ip link set veth0 netns RED
ip netns list
ip -c link
ip netns exec RED ip -c a

# veth1 을 BLUE 네트워크 네임스페이스로 옮김
ip link set veth1 netns BLUE
ip -c link
ip netns exec BLUE ip -c a

# veth0, veth1 상태 활성화(state UP)
ip netns exec RED ip link set veth0 up
ip netns exec RED ip -c a
ip netns exec BLUE ip link set veth1 up
ip netns exec BLUE ip -c a

# veth0, veth1 에 IP 설정
ip netns exec RED ip addr add 11.11.11.2/24 dev veth0
ip netns exec RED ip -c a
ip netns exec BLUE ip addr add 11.11.11.3/24 dev veth1
ip netns exec BLUE ip -c a
