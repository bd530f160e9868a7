# expect: pass
# nftables alone, as kube-proxy's nftables mode chooses an endpoint: a
# verdict map on `numgen random mod 2`, DNAT from prerouting and output,
# and every DNATed connection masqueraded (the nodes' own, and a pod sent
# to itself).
for n in NODE1 NODE2; do
ip netns exec $n nft -f - <<'RULES'
table ip svc {
  chain ep-a { meta l4proto tcp dnat to 10.244.0.2:80; }
  chain ep-b { meta l4proto tcp dnat to 10.244.1.2:80; }
  chain web { numgen random mod 2 vmap { 0 : goto ep-a, 1 : goto ep-b }; }
  chain pre { type nat hook prerouting priority dstnat; ip daddr 10.96.0.100 tcp dport 80 goto web; }
  chain out { type nat hook output priority -100; ip daddr 10.96.0.100 tcp dport 80 goto web; }
  chain post { type nat hook postrouting priority srcnat; ct status dnat ip daddr 10.244.0.0/16 masquerade; }
}
RULES
done
