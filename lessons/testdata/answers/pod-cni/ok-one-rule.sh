# expect: pass
# Other names, a pair made inside POD-C and its node end moved out, and one
# masquerade rule for the whole pod subnet leaving by the node's eth0.
ip -n POD-C link add eth0 type veth peer name c-node
ip -n POD-C link set c-node netns NODE1
ip -n NODE1 link set c-node master cni0
ip -n NODE1 link set c-node up
ip -n POD-C addr add 10.244.0.3/24 dev eth0
ip -n POD-C link set eth0 up
ip -n POD-C route add default via 10.244.0.1
ip netns exec NODE1 iptables -t nat -A POSTROUTING -s 10.244.0.0/24 -o eth0 -j MASQUERADE
