# expect: pass
# fault: vxlan-port
# NODE2's device again on 8472, point to point (remote) instead of an fdb
# entry; it keeps the MAC that NODE1's neighbour entry names.
ip -n NODE2 link del flannel.1
ip -n NODE2 link add flannel.1 address 0e:6f:1a:00:00:02 type vxlan id 1 remote 192.168.10.101 local 192.168.10.102 dev eth0 dstport 8472
ip -n NODE2 addr add 10.244.1.0/32 dev flannel.1
ip -n NODE2 link set flannel.1 up
ip -n NODE2 neigh add 10.244.0.0 lladdr 0e:6f:1a:00:00:01 dev flannel.1 nud permanent
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
