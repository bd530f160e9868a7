# expect: fail
# The address and the bridge port, but no default route.
# fail: default-route
# fail: masquerade
ip -n NODE1 link add vethpodc type veth peer name eth0 netns POD-C
ip -n NODE1 link set vethpodc master cni0
ip -n NODE1 link set vethpodc up
ip -n POD-C addr add 10.244.0.3/24 dev eth0
ip -n POD-C link set eth0 up
ip netns exec NODE1 iptables -t nat -A POSTROUTING -s 10.244.0.3/32 ! -d 10.244.0.0/24 -j MASQUERADE
