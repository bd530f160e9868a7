# expect: pass
# Forwarding turned on per interface, on the two the traffic comes in by
# (br0 for RED's and BLUE's requests, uplink for OUTSIDE's replies), not
# with net.ipv4.ip_forward: the kernel asks the ingress interface.
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.conf.br0.forwarding=1 net.ipv4.conf.uplink.forwarding=1
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE
