# expect: fail
# Routes and forwarding, no NAT: OUTSIDE gets the pings from 11.11.11.x and has no
# way back.
# fail: red-out
# detail: red-out: OUTSIDE has no route back to 11.11.11.2
# fail: red-snat
# detail: red-snat: the ping from RED arrived in OUTSIDE with source 11.11.11.2, want 203.0.113.1
# cause: red-out: masq-missing
# cause: red-snat: masq-missing
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
