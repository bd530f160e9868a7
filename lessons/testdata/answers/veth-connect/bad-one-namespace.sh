# expect: fail
# Both ends moved into RED.
# fail: pair
# detail: pair: no veth in RED has its peer in BLUE
# fail: blue-addr
# detail: blue-addr: BLUE: no address 11.11.11.3/24 (it is on RED/veth1, not in BLUE)
ip link add veth0 type veth peer name veth1
ip link set veth0 netns RED
ip link set veth1 netns RED
ip -n RED addr add 11.11.11.2/24 dev veth0
ip -n RED addr add 11.11.11.3/24 dev veth1
ip -n RED link set veth0 up
ip -n RED link set veth1 up
