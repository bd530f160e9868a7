# expect: pass
# fault: tunnel-mtu
ip netns exec NODE1 sh -c 'echo 1450 > /sys/class/net/flannel.1/mtu'
