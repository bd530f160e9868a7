# expect: fail
# fault: forward-off
# Forwarding on br0 only: the requests go out, the replies that come in by
# uplink are not forwarded back.
# cause: red-out: no-forward
# hint: red-out: does not forward what arrives on `uplink` (net.ipv4.conf.uplink.forwarding is 0)
sysctl -w net.ipv4.conf.br0.forwarding=1
