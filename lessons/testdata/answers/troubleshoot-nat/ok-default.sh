# expect: pass
# fault: no-route
ip -n BLUE route add default via 11.11.11.1
