# expect: fail
# /16 instead of /24: they reach each other, but the addresses are not the ones asked for.
# fail: red-addr
# detail: red-addr: RED: no address 11.11.11.2/24 (eth0 has 11.11.11.2/16: wrong prefix length)
# cause: red-addr: wrong-prefix
ip link add br0 type bridge
ip link set br0 up
ip link add veth-red type veth peer name eth0 netns RED
ip link add veth-blue type veth peer name eth0 netns BLUE
ip link set veth-red master br0
ip link set veth-blue master br0
ip link set veth-red up
ip link set veth-blue up
ip -n RED link set eth0 up
ip -n BLUE link set eth0 up
ip -n RED addr add 11.11.11.2/16 dev eth0
ip -n BLUE addr add 11.11.11.3/16 dev eth0
