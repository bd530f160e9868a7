# expect: fail
# The pods' default route is `default dev eth0`, no gateway: with proxy ARP
# on the node's end it even works (the node answers for every address), but
# it is not Calico's one gateway 169.254.1.1.
# fail: pod-a
# detail: pod-a: POD-A: the default route is not via 169.254.1.1 dev eth0 (it is: default dev eth0)
# cause: pod-a: pod-gateway
for p in POD-A:10.244.0.2:NODE1:cali5e1c4d6c68c POD-B:10.244.1.2:NODE2:cali2f5353dd8c5; do
  IFS=: read -r pod addr node end <<<"$p"
  ip netns exec "$node" sysctl -qw net.ipv4.conf.$end.proxy_arp=1 net.ipv4.neigh.$end.proxy_delay=0
  ip -n "$node" link set "$end" up
  ip -n "$node" route add "$addr/32" dev "$end" scope link
  ip -n "$pod" addr add "$addr/32" dev eth0
  ip -n "$pod" route add default dev eth0
done
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101
