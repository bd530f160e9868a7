# expect: fail
# A bridge is made, but RED and BLUE are wired straight to each other.
# fail: no-direct
# detail: no-direct: RED/veth0 is a veth straight to BLUE/veth1
# fail: red-port
# detail: red-port: RED has no veth whose other end is in host (links: lo, veth0)
# cause: no-direct: direct-veth
# cause: red-port: no-link
ip link add br0 type bridge
ip link set br0 up
ip link add veth0 netns RED type veth peer name veth1 netns BLUE
ip -n RED addr add 11.11.11.2/24 dev veth0
ip -n BLUE addr add 11.11.11.3/24 dev veth1
ip -n RED link set veth0 up
ip -n BLUE link set veth1 up
