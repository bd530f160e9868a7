# expect: fail
# Names of the learner's own; BLUE's host end is left down. The hint names it.
# fail: blue-port
# cause: blue-port: link-down
# hint: blue-port: `bport` in host is down
ip link add br0 type bridge
ip link set br0 up
ip link add rport type veth peer name r0 netns RED
ip link add bport type veth peer name b0 netns BLUE
ip link set rport master br0
ip link set bport master br0
ip link set rport up
ip -n RED link set r0 up
ip -n BLUE link set b0 up
ip -n RED addr add 11.11.11.2/24 dev r0
ip -n BLUE addr add 11.11.11.3/24 dev b0
