# expect: pass
# fault: no-route
# Only the outside's subnet, not a default route.
ip -n BLUE route add 203.0.113.0/24 via 11.11.11.1
