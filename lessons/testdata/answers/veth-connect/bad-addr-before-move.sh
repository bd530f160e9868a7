# expect: fail
# Addresses added in the host, then the links moved: the move flushes them.
# fail: red-addr
# detail: red-addr: RED: no address 11.11.11.2/24 (RED has no IPv4 address besides lo)
# fail: blue-addr
# detail: blue-addr: BLUE: no address 11.11.11.3/24 (BLUE has no IPv4 address besides lo)
# cause: red-addr: no-addr
ip link add veth0 type veth peer name veth1
ip addr add 11.11.11.2/24 dev veth0
ip addr add 11.11.11.3/24 dev veth1
ip link set veth0 netns RED
ip link set veth1 netns BLUE
ip -n RED link set veth0 up
ip -n BLUE link set veth1 up
