# The cluster's underlay: the lab host's bridge `underlay` and NODE1, NODE2 on it, typed with plain ip and bridge commands (engine/journey's tests build it;
# see test/trace_encap_test.go and lessons/cause_tunnel_test.go).
set -e
ip link add underlay type bridge; ip link set underlay up; ip addr add 192.168.10.1/24 dev underlay
node() { # NAME LAST-OCTET-DIGIT
  ip netns add $1
  ip link add v$1 type veth peer name eth0 netns $1
  ip link set v$1 master underlay up
  ip -n $1 link set lo up; ip -n $1 link set eth0 up
  ip -n $1 addr add 192.168.10.10$2/24 dev eth0
  ip -n $1 route add default via 192.168.10.1
  ip netns exec $1 sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
}
node NODE1 1; node NODE2 2
