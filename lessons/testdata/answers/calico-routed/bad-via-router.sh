# expect: fail
# The pods are right, but the nodes send the other block to their default
# gateway, the datacenter router (the lab host), which routes it on: it
# reaches, but not via the other node's address as BIRD's routes do.
# fail: node1-route
# detail: node1-route: NODE1: the route to 10.244.1.2 is default via 192.168.10.1 dev eth0, not via an address of NODE2
# cause: node1-route: not-via-node
# cause: node2-route: not-via-node
for p in POD-A:10.244.0.2:NODE1:cali5e1c4d6c68c POD-B:10.244.1.2:NODE2:cali2f5353dd8c5; do
  IFS=: read -r pod addr node end <<<"$p"
  ip netns exec "$node" sysctl -qw net.ipv4.conf.$end.proxy_arp=1 net.ipv4.neigh.$end.proxy_delay=0
  ip -n "$node" link set "$end" up
  ip -n "$node" route add "$addr/32" dev "$end" scope link
  ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
  ip -n "$pod" route add default via 169.254.1.1 dev eth0
  ip -n "$pod" addr add "$addr/32" dev eth0
done
sysctl -qw net.ipv4.ip_forward=1
ip route add 10.244.0.0/24 via 192.168.10.101
ip route add 10.244.1.0/24 via 192.168.10.102
