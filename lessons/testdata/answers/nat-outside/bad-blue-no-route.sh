# expect: fail
# Everything for RED; BLUE never got its default route.
# fail: blue-out
# cause: blue-out: no-route
# hint: blue-out: A route added in RED does nothing for BLUE
ip -n RED route add default via 11.11.11.1
sysctl -w net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE
