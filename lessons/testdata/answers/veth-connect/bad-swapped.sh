# expect: fail
# RED got BLUE's address and BLUE RED's: they still ping each other, but the
# addresses are on the wrong sides.
# fail: red-addr
# detail: red-addr: RED: no address 11.11.11.2/24 (it is on BLUE/veth1, not in RED)
# fail: blue-addr
# detail: blue-addr: BLUE: no address 11.11.11.3/24 (it is on RED/veth0, not in BLUE)
ip link add veth0 type veth peer name veth1
ip link set veth0 netns RED
ip link set veth1 netns BLUE
ip -n RED addr add 11.11.11.3/24 dev veth0
ip -n BLUE addr add 11.11.11.2/24 dev veth1
ip -n RED link set veth0 up
ip -n BLUE link set veth1 up
