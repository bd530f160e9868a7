# expect: pass
# ip -batch in NODE1 and in POD-C; the masquerade excludes the pod subnet.
ip -n NODE1 -batch - <<'B'
link add vc type veth peer name eth0 netns POD-C
link set vc master cni0
link set vc up
B
ip -n POD-C -batch - <<'B'
addr add 10.244.0.3/24 dev eth0
link set eth0 up
route add default via 10.244.0.1
B
ip netns exec NODE1 iptables -t nat -A POSTROUTING -s 10.244.0.0/24 ! -d 10.244.0.0/24 -j MASQUERADE
