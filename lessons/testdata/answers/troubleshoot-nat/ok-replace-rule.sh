# expect: pass
# fault: masq-iface
iptables -t nat -D POSTROUTING -s 11.11.11.0/24 -o br0 -j MASQUERADE
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 -o uplink -j MASQUERADE
