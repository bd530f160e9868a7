# expect: fail
# Routes and NAT, but the host does not forward.
# fail: forwarding
# detail: forwarding: host does not forward the packets from RED to 203.0.113.2: they arrive on br0, and net.ipv4.ip_forward is 0
# fail: red-out
# detail: red-out: 203.0.113.2 is not host's and net.ipv4.ip_forward=0 there: it was not forwarded
# cause: forwarding: no-forward
# cause: red-out: no-forward
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE
