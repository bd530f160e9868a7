# expect: pass
# fault: rp-filter
echo 'route replace 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink' | ip -n NODE2 -batch -
