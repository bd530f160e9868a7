# expect: fail
# Forwarding on, then off again on br0 alone, the interface RED's and
# BLUE's requests come in by: ip_forward=1 does not help them.
# fail: forwarding
# detail: forwarding: host does not forward the packets from RED to 203.0.113.2: they arrive on br0, and net.ipv4.conf.br0.forwarding is 0
# fail: red-out
# cause: forwarding: no-forward
# cause: red-out: no-forward
# cause: blue-out: no-forward
# cause: red-snat: no-forward
# hint: forwarding: does not forward what arrives on `br0` (net.ipv4.conf.br0.forwarding is 0)
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
sysctl -w net.ipv4.conf.br0.forwarding=0
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE
