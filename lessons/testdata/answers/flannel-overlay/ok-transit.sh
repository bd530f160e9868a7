# expect: pass
# A tunnel with a transit subnet of its own (172.16.0.0/30) and plain routes
# via the far end's tunnel address, from inside each node with nsenter-style
# ip netns exec.
ip netns exec NODE1 ip link add tun-b type vxlan id 1 remote 192.168.10.102 dstport 8472 dev eth0
ip netns exec NODE2 ip link add tun-a type vxlan id 1 remote 192.168.10.101 dstport 8472 dev eth0
ip netns exec NODE1 ip addr add 172.16.0.1/30 dev tun-b
ip netns exec NODE2 ip addr add 172.16.0.2/30 dev tun-a
ip netns exec NODE1 ip link set tun-b up
ip netns exec NODE2 ip link set tun-a up
ip netns exec NODE1 ip route add 10.244.1.0/24 via 172.16.0.2
ip netns exec NODE2 ip route add 10.244.0.0/24 via 172.16.0.1
