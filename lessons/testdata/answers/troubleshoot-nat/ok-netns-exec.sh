# expect: pass
# fault: outside-down
ip netns exec OUTSIDE ip link set dev eth0 up
