# expect: pass
# fault: stale-entry
# The flow's entry deleted by its destination instead of its source port.
conntrack -L -p udp
conntrack -D -p udp -d 203.0.113.2 --dport 514
