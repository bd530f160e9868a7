# expect: pass
# fault: rp-filter
ip -n NODE2 route del 10.244.0.0/24
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
