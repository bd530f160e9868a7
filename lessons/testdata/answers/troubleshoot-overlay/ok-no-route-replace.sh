# expect: pass
# fault: no-route
ip -n NODE1 route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
