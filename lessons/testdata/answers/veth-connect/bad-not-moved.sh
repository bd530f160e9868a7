# expect: fail
# The pair stays in the lab host; RED and BLUE are untouched.
# fail: pair
# detail: pair: RED has no veth (links: lo)
# cause: pair: no-link
ip link add veth0 type veth peer name veth1
ip addr add 11.11.11.2/24 dev veth0
ip addr add 11.11.11.3/24 dev veth1
ip link set veth0 up
ip link set veth1 up
