# expect: fail
# A working overlay on UDP 8472, but NODE2's device has VNI 2: NODE1 sends
# VNI 1, which no device of NODE2 takes.
# fail: overlay
# cause: overlay: vxlan-vni
# detail: overlay: VNI 2
ip -n NODE1 link add vx0 type vxlan id 1 remote 192.168.10.102 local 192.168.10.101 dev eth0 dstport 8472
ip -n NODE2 link add vx0 type vxlan id 2 remote 192.168.10.101 local 192.168.10.102 dev eth0 dstport 8472
ip -n NODE1 addr add 10.244.0.0/32 dev vx0
ip -n NODE2 addr add 10.244.1.0/32 dev vx0
ip -n NODE1 link set vx0 up
ip -n NODE2 link set vx0 up
ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev vx0 onlink
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev vx0 onlink
