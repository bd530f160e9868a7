# expect: pass
# fault: no-route-back
ip -n RED route add 203.0.113.0/24 via 11.11.11.1
