# expect: pass
# fault: masq-iface
# SNAT to the uplink's address instead of MASQUERADE.
iptables -t nat -F POSTROUTING
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 -o uplink -j SNAT --to-source 203.0.113.1
