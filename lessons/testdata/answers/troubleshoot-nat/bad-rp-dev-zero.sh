# expect: fail
# fault: rp-filter
# rp_filter 0 on mgmt alone: the kernel uses the larger of all (1) and the
# interface's own, so mgmt stays strict.
# cause: red-out: rp-filter
# hint: red-out: arrive on `mgmt`
sysctl -w net.ipv4.conf.mgmt.rp_filter=0
