# expect: pass
# One MASQUERADE rule per address: it works for both, since each address has its
# own rule (the usual mistake is the first rule alone).
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 11.11.11.2 -o uplink -j MASQUERADE
iptables -t nat -A POSTROUTING -s 11.11.11.3 -o uplink -j MASQUERADE
