# expect: pass
# Docker's way: FORWARD policy DROP with explicit ACCEPT rules for the bridge,
# MASQUERADE for everything that leaves by another interface than br0.
ip -n RED route replace default via 11.11.11.1
ip -n BLUE route replace default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
iptables -P FORWARD DROP
iptables -A FORWARD -i br0 ! -o br0 -j ACCEPT
iptables -A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE
