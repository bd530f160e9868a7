# expect: pass
# fault: wrong-prefix
ip netns exec BLUE ip addr flush dev eth0
ip netns exec BLUE ip addr add 11.11.11.3/24 dev eth0
