# expect: pass
# fault: tunnel-mtu
ip netns exec NODE1 ip link set dev flannel.1 mtu 1450
