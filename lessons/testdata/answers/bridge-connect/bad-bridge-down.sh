# expect: fail
# Everything but `ip link set br0 up`.
# fail: bridge
# detail: bridge: host: br0 is DOWN
# fail: red-port
# detail: red-port: host: bridge br0 is DOWN
# cause: bridge: bridge-down
# cause: red-port: bridge-down
ip link add br0 type bridge
ip link add veth-red type veth peer name eth0 netns RED
ip link add veth-blue type veth peer name eth0 netns BLUE
ip link set veth-red master br0
ip link set veth-blue master br0
ip link set veth-red up
ip link set veth-blue up
ip -n RED link set eth0 up
ip -n BLUE link set eth0 up
ip -n RED addr add 11.11.11.2/24 dev eth0
ip -n BLUE addr add 11.11.11.3/24 dev eth0
