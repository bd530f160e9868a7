# expect: fail
# fault: masq-iface
# A route back in OUTSIDE: the pings work, the sources stay private.
# cause: red-snat: route-back
# cause: blue-snat: route-back
ip -n OUTSIDE route add 11.11.11.0/24 via 203.0.113.1
