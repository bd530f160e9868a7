# expect: fail
# fault: tunnel-mtu
# POD-A made smaller than the tunnel: the goal's 1450-byte packet no
# longer leaves it.
# cause: full-size: mtu
ip -n POD-A link set eth0 mtu 1400
