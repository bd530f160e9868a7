# expect: pass
# fault: vxlan-port
ip -n NODE2 -batch - <<'END'
link del flannel.1
link add flannel.1 address 0e:6f:1a:00:00:02 type vxlan id 1 local 192.168.10.102 dev eth0 dstport 8472 nolearning
addr add 10.244.1.0/32 dev flannel.1
link set flannel.1 up
neigh add 10.244.0.0 lladdr 0e:6f:1a:00:00:01 dev flannel.1 nud permanent
route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
END
bridge -n NODE2 fdb append 0e:6f:1a:00:00:01 dev flannel.1 dst 192.168.10.101 self permanent
