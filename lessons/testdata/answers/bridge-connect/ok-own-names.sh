# expect: pass
# Names of our own on every link; ends created straight in their namespaces;
# the bridge brought up last.
set -e
ip link add br0 type bridge
ip link add rport type veth peer name r0 netns RED
ip link add bport type veth peer name b0 netns BLUE
ip -n RED addr add 11.11.11.2/24 dev r0
ip -n BLUE addr add 11.11.11.3/24 dev b0
ip -n RED link set r0 up
ip -n BLUE link set b0 up
for p in rport bport; do ip link set "$p" master br0; ip link set "$p" up; done
ip link set br0 up
