# expect: fail
# fault: masq-iface
# A second rule, for RED's address only.
# cause: blue-out: masq-source
iptables -t nat -A POSTROUTING -s 11.11.11.2/32 -o uplink -j MASQUERADE
