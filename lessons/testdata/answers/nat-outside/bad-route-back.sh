# expect: fail
# A route back in OUTSIDE instead of NAT: the pings work, but OUTSIDE sees the
# private sources.
# fail: blue-snat
# detail: blue-snat: the ping from BLUE arrived in OUTSIDE with source 11.11.11.3, want 203.0.113.1
# cause: red-snat: route-back
# cause: blue-snat: route-back
ip -n RED route add default via 11.11.11.1
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
ip -n OUTSIDE route add 11.11.11.0/24 via 203.0.113.1
