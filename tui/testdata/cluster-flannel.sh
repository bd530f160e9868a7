# Issue 21's flannel cluster typed as plain ip and bridge commands (no
# engine action): the lab host's underlay bridge, NODE1 with POD-A and
# POD-C on cni0, NODE2 with POD-B, flannel.1 (VNI 1, UDP 8472) on each
# node with flanneld's neighbour, fdb entry and onlink route per remote.
set -e
ip link add underlay type bridge
ip link set underlay up
ip addr add 192.168.10.1/24 dev underlay
for i in 1 2; do
  n=NODE$i
  ip netns add $n
  ip -n $n link set lo up
  ip link add veth-$n type veth peer name eth0 netns $n
  ip link set veth-$n master underlay up
  ip -n $n link set eth0 up
  ip -n $n addr add 192.168.10.10$i/24 dev eth0
  ip -n $n route add default via 192.168.10.1
  ip netns exec $n sysctl -qw net.ipv4.ip_forward=1
  ip -n $n link add cni0 type bridge
  ip -n $n link set cni0 up
  ip -n $n addr add 10.244.$((i-1)).1/24 dev cni0
  ip -n $n link add flannel.1 address 0a:58:c0:a8:0a:6$i type vxlan id 1 local 192.168.10.10$i dev eth0 dstport 8472 nolearning
  ip -n $n addr add 10.244.$((i-1)).0/32 dev flannel.1
  ip -n $n link set flannel.1 up
done
pod() { # NODE POD ADDR GATEWAY NODE-END
  ip netns add $2
  ip -n $2 link set lo up
  ip -n $1 link add $5 type veth peer name eth0 netns $2
  ip -n $1 link set $5 master cni0 up
  ip -n $2 link set eth0 up
  ip -n $2 addr add $3/24 dev eth0
  ip -n $2 route add default via $4
}
pod NODE1 POD-A 10.244.0.2 10.244.0.1 veth-pod-a
pod NODE1 POD-C 10.244.0.3 10.244.0.1 veth-pod-c
pod NODE2 POD-B 10.244.1.2 10.244.1.1 veth-pod-b
ip -n NODE1 neigh add 10.244.1.0 lladdr 0a:58:c0:a8:0a:62 dev flannel.1 nud permanent
ip netns exec NODE1 bridge fdb append 0a:58:c0:a8:0a:62 dev flannel.1 dst 192.168.10.102 self permanent
ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n NODE2 neigh add 10.244.0.0 lladdr 0a:58:c0:a8:0a:61 dev flannel.1 nud permanent
ip netns exec NODE2 bridge fdb append 0a:58:c0:a8:0a:61 dev flannel.1 dst 192.168.10.101 self permanent
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
