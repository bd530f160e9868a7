# Calico's routed pods on the underlay (run after underlay.sh), typed with plain ip and bridge commands (engine/journey's tests build it;
# see test/trace_encap_test.go and lessons/cause_tunnel_test.go).
pod() { # POD NODE ADDR HOSTDEV
  ip netns add $1
  ip -n $2 link add $4 address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns $1
  ip -n $2 link set $4 up
  ip netns exec $2 sh -c "echo 1 > /proc/sys/net/ipv4/conf/$4/proxy_arp; echo 0 > /proc/sys/net/ipv4/neigh/$4/proxy_delay"
  ip -n $1 link set lo up; ip -n $1 link set eth0 up
  ip -n $1 addr add $3/32 dev eth0
  ip -n $1 route add 169.254.1.1 dev eth0 scope link
  ip -n $1 route add default via 169.254.1.1 dev eth0
  ip -n $2 route add $3 dev $4 scope link
}
pod POD-A NODE1 10.244.0.2 cali0a; pod POD-C NODE1 10.244.0.3 cali0c; pod POD-B NODE2 10.244.1.2 cali1b
ip -n NODE1 route add blackhole 10.244.0.0/24 proto bird
ip -n NODE2 route add blackhole 10.244.1.0/24 proto bird
ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102 dev eth0 proto bird
ip -n NODE2 route add 10.244.0.0/24 via 192.168.10.101 dev eth0 proto bird
