# expect: fail
# Proxy ARP on, but with the kernel's default proxy_delay (80: each proxy
# reply held back up to 0.8 s): every pod's first packet waits.
# fail: pod-a
# detail: pod-a: NODE1: cali5e1c4d6c68c has proxy_delay 80
# cause: pod-a: proxy-delay
# cause: pod-b: proxy-delay
for p in POD-A:10.244.0.2:NODE1:cali5e1c4d6c68c POD-B:10.244.1.2:NODE2:cali2f5353dd8c5; do
  IFS=: read -r pod addr node end <<<"$p"
  ip netns exec "$node" sysctl -qw net.ipv4.conf.$end.proxy_arp=1
  ip -n "$node" link set "$end" up
  ip -n "$node" route add "$addr/32" dev "$end" scope link
  ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
  ip -n "$pod" route add default via 169.254.1.1 dev eth0
  ip -n "$pod" addr add "$addr/32" dev eth0
done
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101
