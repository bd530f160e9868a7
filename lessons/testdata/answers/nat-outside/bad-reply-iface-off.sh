# expect: fail
# Forwarding per interface, but only on br0: the requests go out, and the
# replies, which come in by uplink, are dropped there.
# fail: forwarding
# detail: forwarding: host does not forward the replies from 203.0.113.2 back to RED: they arrive on uplink, and net.ipv4.conf.uplink.forwarding is 0
# fail: red-out
# cause: forwarding: no-forward
# cause: red-out: no-forward
# hint: red-out: does not forward what arrives on `uplink` (net.ipv4.conf.uplink.forwarding is 0)
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.conf.br0.forwarding=1
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE
