# expect: fail
# /32 instead of /24: no connected route, so neither side can reach the other.
# fail: red-addr
# detail: red-addr: RED: no address 11.11.11.2/24 (veth0 has 11.11.11.2/32: wrong prefix length)
# fail: red-to-blue
# detail: red-to-blue: RED has no route to 11.11.11.3
# cause: red-addr: wrong-prefix
# cause: red-to-blue: wrong-prefix
ip link add veth0 type veth peer name veth1
ip link set veth0 netns RED
ip link set veth1 netns BLUE
ip -n RED addr add 11.11.11.2/32 dev veth0
ip -n BLUE addr add 11.11.11.3/32 dev veth1
ip -n RED link set veth0 up
ip -n BLUE link set veth1 up
