# expect: fail
# flannel's host-gw backend: routes via the other node's address. The pods
# reach each other, but their packets cross the underlay bare.
# fail: overlay
# cause: overlay: no-encap
# hint: overlay: host-gw
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102 dev eth0
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101 dev eth0
