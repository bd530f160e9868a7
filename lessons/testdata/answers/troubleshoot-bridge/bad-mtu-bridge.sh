# expect: fail
# fault: mtu-mismatch
# br0's own MTU raised: ip link shows br0 at 1400, but a bridge forwards
# by its ports' MTU, and veth-blue still has 1400.
# cause: full-size: mtu
# hint: full-size: `veth-blue` in host has MTU 1400
ip link set br0 mtu 1500
