# expect: fail
# fault: wrong-prefix
# A way around br0 instead of a fix.
# cause: no-direct: direct-veth
ip link add x netns RED type veth peer name y netns BLUE
