# expect: fail
# The bridge plugin's way on each node: a cni0 bridge with the pod's end as a
# port and the gateway's address on the bridge. Pods reach each other, but
# through a bridge, which Calico never puts there.
# fail: pod-a
# detail: pod-a: NODE1: cali5e1c4d6c68c is a port of the bridge cni0
# cause: pod-a: bridge-in-path
# cause: pod-b: bridge-in-path
for p in POD-A:10.244.0.2:NODE1:cali5e1c4d6c68c POD-B:10.244.1.2:NODE2:cali2f5353dd8c5; do
  IFS=: read -r pod addr node end <<<"$p"
  ip -n "$node" link add cni0 type bridge
  ip -n "$node" addr add 169.254.1.1/32 dev cni0
  ip -n "$node" link set cni0 up
  ip -n "$node" link set "$end" master cni0
  ip -n "$node" link set "$end" up
  ip -n "$node" route add "$addr/32" dev cni0 scope link
  ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
  ip -n "$pod" route add default via 169.254.1.1 dev eth0
  ip -n "$pod" addr add "$addr/32" dev eth0
done
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101
