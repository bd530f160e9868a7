# expect: fail
# fault: vxlan-port
# The device is back on 8472, but its route went with the old one: NODE2
# would answer POD-A by its default route, out of eth0, so strict rp_filter
# drops POD-A's packet as it comes out of the tunnel; and POD-B's own
# packets leave NODE2 bare, by the default route.
# cause: a-to-b: rp-filter
# cause: b-to-a: no-route
ip -n NODE2 link del flannel.1
ip -n NODE2 link add flannel.1 address 0e:6f:1a:00:00:02 type vxlan id 1 local 192.168.10.102 dev eth0 dstport 8472 nolearning
ip -n NODE2 addr add 10.244.1.0/32 dev flannel.1
ip -n NODE2 link set flannel.1 up
ip -n NODE2 neigh add 10.244.0.0 lladdr 0e:6f:1a:00:00:01 dev flannel.1 nud permanent
bridge -n NODE2 fdb append 0e:6f:1a:00:00:01 dev flannel.1 dst 192.168.10.101 self permanent
