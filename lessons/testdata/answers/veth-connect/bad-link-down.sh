# expect: fail
# BLUE's end is never brought up.
# fail: blue-addr
# detail: blue-addr: BLUE: veth1 has 11.11.11.3/24 but is DOWN
# fail: red-to-blue
# detail: red-to-blue: BLUE/veth1, the other end of RED/veth0, is down
# cause: blue-addr: link-down
# cause: red-to-blue: link-down
# hint: red-to-blue: `veth1` in BLUE is down
ip link add veth0 type veth peer name veth1
ip link set veth0 netns RED
ip link set veth1 netns BLUE
ip -n RED link set veth0 up
ip -n RED addr add 11.11.11.2/24 dev veth0
ip -n BLUE addr add 11.11.11.3/24 dev veth1
