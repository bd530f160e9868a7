# expect: pass
# fault: no-route
# The whole pod CIDR into the tunnel: cni0's /24 is more specific, so
# NODE1's own pods stay on the bridge.
ip netns exec NODE1 ip route add 10.244.0.0/16 via 10.244.1.0 dev flannel.1 onlink
