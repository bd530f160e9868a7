# expect: fail
# fault: rp-filter
# The filter off on NODE2: the asymmetry stays (the answer leaves bare).
# cause: node2-rp-filter: sysctl
ip netns exec NODE2 sysctl -w net.ipv4.conf.all.rp_filter=0
