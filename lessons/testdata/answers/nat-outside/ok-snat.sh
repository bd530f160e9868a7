# expect: pass
# SNAT to the uplink's address instead of MASQUERADE, matched on the way out of
# `uplink`; forwarding through /proc; routes added from inside the namespaces.
ip netns exec RED ip route add default via 11.11.11.1 dev eth0
ip netns exec BLUE ip route add default via 11.11.11.1 dev eth0
echo 1 > /proc/sys/net/ipv4/ip_forward
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 -o uplink -j SNAT --to-source 203.0.113.1
iptables -t nat -S POSTROUTING
