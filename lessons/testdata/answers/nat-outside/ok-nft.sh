# expect: pass
# nftables instead of iptables (its own table, native masquerade), and a route to
# 203.0.113.0/24 only rather than a default route.
set -e
ip -n RED route add 203.0.113.0/24 via 11.11.11.1
ip -n BLUE route add 203.0.113.0/24 via 11.11.11.1
sysctl -q -w net.ipv4.ip_forward=1
nft add table ip out
nft 'add chain ip out post { type nat hook postrouting priority srcnat; policy accept; }'
nft add rule ip out post ip saddr 11.11.11.0/24 oifname "uplink" masquerade
