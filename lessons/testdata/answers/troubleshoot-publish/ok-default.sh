# expect: pass
# fault: no-route-back
ip -n RED route add default via 11.11.11.1
