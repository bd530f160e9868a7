# Issue 21's routed (Calico-style) cluster typed as plain ip commands: no
# bridge on the nodes; each pod a /32 on eth0 with its default route via
# 169.254.1.1 (scope link), answered by proxy ARP on the node's cali end
# (MAC ee:ee:ee:ee:ee:ee), a /32 route per local pod, a blackhole for the
# node's own block and a route to the other node's block (proto bird,
# added by hand as BIRD would).
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
done
pod() { # NODE POD ADDR NODE-END
  ip netns add $2
  ip -n $2 link set lo up
  ip -n $1 link add $4 type veth peer name eth0 netns $2
  ip -n $1 link set $4 address ee:ee:ee:ee:ee:ee up
  ip netns exec $1 sysctl -qw net.ipv4.conf.$4.proxy_arp=1
  ip -n $2 link set eth0 up
  ip -n $2 addr add $3/32 dev eth0
  ip -n $2 route add 169.254.1.1 dev eth0 scope link
  ip -n $2 route add default via 169.254.1.1 dev eth0
  ip -n $1 route add $3 dev $4 scope link
}
pod NODE1 POD-A 10.244.0.2 cali1a2b3c4d5e6
pod NODE1 POD-C 10.244.0.3 cali7f8e9d0c1b2
pod NODE2 POD-B 10.244.1.2 cali3c4d5e6f7a8
ip -n NODE1 route add blackhole 10.244.0.0/24 proto bird
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102 dev eth0 proto bird
ip -n NODE2 route add blackhole 10.244.1.0/24 proto bird
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101 dev eth0 proto bird
