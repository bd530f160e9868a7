# expect: fail
# fault: no-route
# A host-gw route: POD-A's packet reaches NODE2 bare, on eth0, while NODE2
# answers 10.244.0.0/24 through flannel.1, so its strict rp_filter drops it.
# cause: a-to-b: rp-filter
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102
