# expect: pass
# Routes to OUTSIDE's subnet only (no default route), MASQUERADE on the way out
# of `uplink`, forwarding with sysctl's short form.
ip -n RED route add 203.0.113.0/24 via 11.11.11.1
ip -n BLUE route add 203.0.113.0/24 via 11.11.11.1
sysctl -q net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 -o uplink -j MASQUERADE
