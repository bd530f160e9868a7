# expect: fail
# Everything of the pods, but the nodes have no route to their own pods:
# replies to a pod follow the node's default route out.
# fail: pod-a
# fail: a-to-b
# detail: pod-a: NODE1: no route to 10.244.0.2 over cali5e1c4d6c68c
# cause: pod-a: no-pod-route
for p in POD-A:10.244.0.2:NODE1:cali5e1c4d6c68c POD-B:10.244.1.2:NODE2:cali2f5353dd8c5; do
  IFS=: read -r pod addr node end <<<"$p"
  ip netns exec "$node" sysctl -qw net.ipv4.conf.$end.proxy_arp=1 net.ipv4.neigh.$end.proxy_delay=0
  ip -n "$node" link set "$end" up
  ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
  ip -n "$pod" route add default via 169.254.1.1 dev eth0
  ip -n "$pod" addr add "$addr/32" dev eth0
done
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101
