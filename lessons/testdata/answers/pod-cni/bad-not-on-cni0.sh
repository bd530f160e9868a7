# expect: fail
# The node end is up but never attached to cni0.
# fail: pod-to-pod
ip -n NODE1 link add vethpodc type veth peer name eth0 netns POD-C
ip -n NODE1 link set vethpodc up
ip -n POD-C addr add 10.244.0.3/24 dev eth0
ip -n POD-C link set eth0 up
ip -n POD-C route add default via 10.244.0.1
ip netns exec NODE1 iptables -t nat -A POSTROUTING -s 10.244.0.3/32 ! -d 10.244.0.0/24 -j MASQUERADE
