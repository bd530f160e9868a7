# expect: fail
# The addresses went on the host ends (the bridge ports), not inside RED and BLUE.
# fail: red-addr
# detail: red-addr: RED: no address 11.11.11.2/24 (it is on host/veth-red, not in RED)
# fail: blue-addr
# detail: blue-addr: BLUE: no address 11.11.11.3/24 (it is on host/veth-blue, not in BLUE)
# cause: red-addr: no-addr
ip link add br0 type bridge
ip link set br0 up
ip link add veth-red type veth peer name eth0 netns RED
ip link add veth-blue type veth peer name eth0 netns BLUE
ip link set veth-red master br0
ip link set veth-blue master br0
ip addr add 11.11.11.2/24 dev veth-red
ip addr add 11.11.11.3/24 dev veth-blue
ip link set veth-red up
ip link set veth-blue up
ip -n RED link set eth0 up
ip -n BLUE link set eth0 up
