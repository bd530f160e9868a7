# expect: pass
# The gateway by `onlink` instead of a link-scope route, proxy ARP for every
# interface (conf.all, which the kernel ORs with the interface's own), host
# routes without a scope (ip picks link for a route with no gateway), and the
# whole pod CIDR, not the block, via the other node.
for p in POD-A:10.244.0.2 POD-B:10.244.1.2; do
  ns=${p%%:*} addr=${p#*:}
  ip -n "$ns" addr add "$addr/32" dev eth0
  ip -n "$ns" route add default via 169.254.1.1 dev eth0 onlink
done
for n in NODE1 NODE2; do
  ip netns exec "$n" sysctl -qw net.ipv4.conf.all.proxy_arp=1
  end=$(ip -n "$n" -o link show type veth | awk -F'[ :@]+' '{print $2}' | grep -v '^eth0$')
  ip netns exec "$n" sysctl -qw "net.ipv4.neigh.$end.proxy_delay=0"
  ip -n "$n" link set "$end" up
  case $n in
    NODE1) ip -n NODE1 route add 10.244.0.2 dev "$end"; ip -n NODE1 route add 10.244.0.0/16 via 192.168.10.102 ;;
    NODE2) ip -n NODE2 route add 10.244.1.2 dev "$end"; ip -n NODE2 route add 10.244.0.0/16 via 192.168.10.101 ;;
  esac
done
