# expect: pass
# fault: no-route
# Only the Service range, as some CNI plugins install it.
ip -n RED route add 10.96.0.0/12 via 11.11.11.1
