# expect: fail
# Wired and addressed, but no ipMasq rule: the underlay gets 10.244.0.3.
# fail: masquerade
ip -n NODE1 link add vethpodc type veth peer name eth0 netns POD-C
ip -n NODE1 link set vethpodc master cni0
ip -n NODE1 link set vethpodc up
ip -n POD-C addr add 10.244.0.3/24 dev eth0
ip -n POD-C link set eth0 up
ip -n POD-C route add default via 10.244.0.1
