# expect: fail
# The MASQUERADE rule matches RED's address only.
# fail: blue-snat
# detail: blue-snat: the ping from BLUE arrived in OUTSIDE with source 11.11.11.3, want 203.0.113.1
# cause: blue-out: masq-source
# cause: blue-snat: masq-source
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 11.11.11.2/32 -j MASQUERADE
