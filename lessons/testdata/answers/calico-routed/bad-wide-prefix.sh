# expect: fail
# Everything right but the pods' addresses are /24: they still reach each
# other (the other pod is outside the /24), but a pod would ARP for a
# neighbour in its /24 itself instead of going through the node.
# fail: pod-a
# detail: pod-a: POD-A: eth0 has 10.244.0.2/24, wider than 10.244.0.2/32
# cause: pod-a: wide-prefix
# cause: pod-b: wide-prefix
# hint: pod-a: POD-A has 10.244.0.2/24 on eth0
for p in POD-A:10.244.0.2:NODE1:cali5e1c4d6c68c POD-B:10.244.1.2:NODE2:cali2f5353dd8c5; do
  IFS=: read -r pod addr node end <<<"$p"
  ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
  ip -n "$pod" route add default via 169.254.1.1 dev eth0
  ip -n "$pod" addr add "$addr/24" dev eth0
  ip netns exec "$node" sysctl -qw net.ipv4.conf.$end.proxy_arp=1 net.ipv4.neigh.$end.proxy_delay=0
  ip -n "$node" link set "$end" up
  ip -n "$node" route add "$addr/32" dev "$end" scope link
done
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101
