# expect: pass
# A loop over both namespaces; the namespace end is renamed eth0 after the move,
# the host end is enslaved with `ip link set dev X master br0 up` in one command.
set -eu
ip link add name br0 up type bridge
i=2
for ns in RED BLUE; do
	host=h-$(echo "$ns" | tr A-Z a-z)
	ip link add "$host" type veth peer name tmp-$i
	ip link set tmp-$i netns "$ns"
	ip -n "$ns" link set tmp-$i name eth0
	ip -n "$ns" addr add 11.11.11.$i/24 dev eth0
	ip -n "$ns" link set eth0 up
	ip link set dev "$host" master br0 up
	i=$((i + 1))
done
bridge link show
