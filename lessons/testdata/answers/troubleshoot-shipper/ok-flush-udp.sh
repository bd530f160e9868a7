# expect: pass
# fault: stale-entry
# Every UDP entry of the host deleted: the shipper's next line starts anew.
conntrack -D -p udp
