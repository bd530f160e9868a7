# expect: fail
# BLUE's host end is up but was never made a port of br0.
# fail: blue-port
# detail: blue-port: host: veth-blue (peer of BLUE/eth0) is not a port of br0 (master: none)
# fail: red-to-blue
# cause: blue-port: not-port
ip link add br0 type bridge
ip link set br0 up
ip link add veth-red type veth peer name eth0 netns RED
ip link add veth-blue type veth peer name eth0 netns BLUE
ip link set veth-red master br0
ip link set veth-red up
ip link set veth-blue up
ip -n RED link set eth0 up
ip -n BLUE link set eth0 up
ip -n RED addr add 11.11.11.2/24 dev eth0
ip -n BLUE addr add 11.11.11.3/24 dev eth0
