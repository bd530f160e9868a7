# expect: fail
# NODE2's device is on the IANA port 4789, NODE1 sends to 8472.
# fail: overlay
# fail: a-to-b
# cause: overlay: vxlan-port
# detail: overlay: 4789
ip -n NODE1 link add flannel.1 address 0e:6f:1a:00:00:01 type vxlan id 1 local 192.168.10.101 dev eth0 dstport 8472 nolearning
ip -n NODE1 addr add 10.244.0.0/32 dev flannel.1
ip -n NODE1 link set flannel.1 up
ip -n NODE2 link add flannel.1 address 0e:6f:1a:00:00:02 type vxlan id 1 local 192.168.10.102 dev eth0 dstport 4789 nolearning
ip -n NODE2 addr add 10.244.1.0/32 dev flannel.1
ip -n NODE2 link set flannel.1 up
ip -n NODE1 neigh add 10.244.1.0 lladdr 0e:6f:1a:00:00:02 dev flannel.1 nud permanent
bridge -n NODE1 fdb append 0e:6f:1a:00:00:02 dev flannel.1 dst 192.168.10.102 self permanent
ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n NODE2 neigh add 10.244.0.0 lladdr 0e:6f:1a:00:00:01 dev flannel.1 nud permanent
bridge -n NODE2 fdb append 0e:6f:1a:00:00:01 dev flannel.1 dst 192.168.10.101 self permanent
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
