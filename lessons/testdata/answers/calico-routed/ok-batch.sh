# expect: pass
# The same objects with ip -batch, one batch per namespace, after renaming
# the node ends (names are free).
ip -n NODE1 link set cali5e1c4d6c68c name pod-a-end
ip -n NODE2 link set cali2f5353dd8c5 name pod-b-end
ip -n POD-A -batch - <<'B'
route add 169.254.1.1 dev eth0 scope link
route add default via 169.254.1.1 dev eth0
addr add 10.244.0.2/32 dev eth0
B
ip -n POD-B -batch - <<'B'
route add 169.254.1.1 dev eth0 scope link
route add default via 169.254.1.1 dev eth0
addr add 10.244.1.2/32 dev eth0
B
ip netns exec NODE1 sysctl -qw net.ipv4.conf.pod-a-end.proxy_arp=1 net.ipv4.neigh.pod-a-end.proxy_delay=0
ip netns exec NODE2 sysctl -qw net.ipv4.conf.pod-b-end.proxy_arp=1 net.ipv4.neigh.pod-b-end.proxy_delay=0
ip -n NODE1 -batch - <<'B'
link set pod-a-end up
route add 10.244.0.2/32 dev pod-a-end scope link
route add 10.244.1.0/24 via 192.168.10.102 dev eth0
B
ip -n NODE2 -batch - <<'B'
link set pod-b-end up
route add 10.244.1.2/32 dev pod-b-end scope link
route add 10.244.0.0/24 via 192.168.10.101 dev eth0
B
