# expect: pass
# Ports joined with `ip link set dev X master br0` after the addresses, and the
# inner ends renamed to eth1 once inside.
set -e
ip link add br0 type bridge
ip link set br0 up
for ns in RED BLUE; do
	ip link add "h-$ns" type veth peer name "i-$ns"
	ip link set "i-$ns" netns "$ns"
	ip -n "$ns" link set "i-$ns" name eth1
	ip link set dev "h-$ns" master br0
	ip link set dev "h-$ns" up
	ip -n "$ns" link set eth1 up
done
ip -n RED addr add 11.11.11.2/24 dev eth1
ip -n BLUE addr add 11.11.11.3/24 dev eth1
