# expect: fail
# Only BLUE got a default route.
# fail: red-out
# detail: red-out: RED has no route to 203.0.113.2 (no address in its subnet, no default route)
# cause: red-out: no-route
ip -n BLUE route add default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE
