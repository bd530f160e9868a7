# expect: fail
# fault: stale-udp
# The flow's entries deleted on NODE2, where the flow arrives; the stale
# one that decides is on POD-C's node, NODE1.
# cause: logs: stale-conntrack
ip netns exec NODE2 conntrack -D -p udp --orig-dst 10.96.0.50 2>/dev/null || true
