# expect: pass
# Made in the host, moved, then configured from inside with nsenter and a
# here-document; addresses go on after the move and before the links come up.
ip link add left type veth peer name right
ip link set left netns RED
ip link set right netns BLUE
nsenter --net=/run/netns/RED sh -c 'ip address add 11.11.11.2/24 dev left && ip link set left up'
ip netns exec BLUE bash <<'IN'
ip addr add 11.11.11.3/24 brd + dev right
ip link set right up
IN
ip netns exec RED ip -br addr
