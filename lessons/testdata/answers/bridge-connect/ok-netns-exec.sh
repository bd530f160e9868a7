# expect: pass
# Pairs made in the host and moved, `ip netns exec` inside, the bridge brought up last.
ip link add br0 type bridge
ip link add vr type veth peer name vr-ns
ip link add vb type veth peer name vb-ns
ip link set vr-ns netns RED
ip link set vb-ns netns BLUE
ip link set vr master br0
ip link set vb master br0
ip link set vr up
ip link set vb up
ip netns exec RED ip addr add 11.11.11.2/24 dev vr-ns
ip netns exec BLUE ip addr add 11.11.11.3/24 dev vb-ns
ip netns exec RED ip link set vr-ns up
ip netns exec BLUE ip link set vb-ns up
ip link set br0 up
