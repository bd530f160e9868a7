# expect: fail
# A working overlay, but on UDP 4789 (the IANA port), not flannel's 8472.
# fail: overlay
# cause: overlay: vxlan-port
# detail: overlay: port 4789
ip -n NODE1 link add vx0 type vxlan id 1 remote 192.168.10.102 local 192.168.10.101 dev eth0 dstport 4789
ip -n NODE2 link add vx0 type vxlan id 1 remote 192.168.10.101 local 192.168.10.102 dev eth0 dstport 4789
ip -n NODE1 addr add 10.244.0.0/32 dev vx0
ip -n NODE2 addr add 10.244.1.0/32 dev vx0
ip -n NODE1 link set vx0 up
ip -n NODE2 link set vx0 up
ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev vx0 onlink
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev vx0 onlink
