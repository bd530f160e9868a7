# expect: pass
# fault: rp-filter
# Loose reverse path filtering for every interface: the kernel takes the
# larger of all (2) and mgmt's own (1).
sysctl -w net.ipv4.conf.all.rp_filter=2
