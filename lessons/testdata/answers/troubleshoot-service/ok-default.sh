# expect: pass
# fault: no-route
ip -n RED route add default via 11.11.11.1
