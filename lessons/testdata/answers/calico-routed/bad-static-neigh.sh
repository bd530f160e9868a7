# expect: fail
# No proxy ARP: instead each pod gets a static neighbour entry for
# 169.254.1.1 with the node end's MAC. It works, but nothing on the node
# answers for the gateway, so a new pod (or a changed MAC) breaks.
# fail: pod-a
# detail: pod-a: NODE1: cali5e1c4d6c68c, the node's end of POD-A's veth, has proxy_arp 0
# cause: pod-a: no-proxy-arp
# cause: pod-b: no-proxy-arp
# hint: pod-a: has proxy ARP off
for p in POD-A:10.244.0.2:NODE1:cali5e1c4d6c68c POD-B:10.244.1.2:NODE2:cali2f5353dd8c5; do
  IFS=: read -r pod addr node end <<<"$p"
  ip -n "$node" link set "$end" up
  ip -n "$node" route add "$addr/32" dev "$end" scope link
  mac=$(ip -n "$node" -o link show "$end" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
  ip -n "$pod" route add default via 169.254.1.1 dev eth0
  ip -n "$pod" addr add "$addr/32" dev eth0
  ip -n "$pod" neigh add 169.254.1.1 lladdr "$mac" dev eth0 nud permanent
done
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101
