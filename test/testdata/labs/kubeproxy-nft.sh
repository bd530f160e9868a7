# Service default/web in the shape kube-proxy's nftables mode gives it (table ip kube-proxy:
# the service-ips verdict map, a service chain with numgen random mod 2 vmap, endpoint chains
# with dnat to), typed with nft on both nodes (run after underlay.sh and flannel.sh). Only
# the rules a ClusterIP connection crosses; chain names without kube-proxy's "/" parts.
for p in POD-A POD-B; do ip netns exec $p sh -c "while :; do echo web on $p | nc -l -N 80 >/dev/null 2>&1; done" & done
for n in NODE1 NODE2; do ip netns exec $n nft -f - <<'EOF'
table ip kube-proxy {
  map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; elements = { 10.96.0.100 . tcp . 80 : goto service-CDGGSHYL-web }; }
  chain services { ip daddr . meta l4proto . th dport vmap @service-ips; }
  chain nat-prerouting { type nat hook prerouting priority dstnat; policy accept; jump services; }
  chain nat-output { type nat hook output priority -100; policy accept; jump services; }
  chain service-CDGGSHYL-web { numgen random mod 2 vmap { 0 : goto endpoint-ZA46Z6MX-web, 1 : goto endpoint-PBQ62IOV-web }; }
  chain endpoint-ZA46Z6MX-web { meta l4proto tcp dnat to 10.244.0.2:80; }
  chain endpoint-PBQ62IOV-web { meta l4proto tcp dnat to 10.244.1.2:80; }
}
EOF
done
