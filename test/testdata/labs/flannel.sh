# flannel's VXLAN overlay on the underlay (run after underlay.sh), typed with plain ip and bridge commands (engine/journey's tests build it;
# see test/trace_encap_test.go and lessons/cause_tunnel_test.go).
bridgeNet() { # NODE SUBNET-INDEX
  ip -n $1 link add cni0 type bridge; ip -n $1 link set cni0 up; ip -n $1 addr add 10.244.$2.1/24 dev cni0
}
pod() { # POD NODE ADDR GW
  ip netns add $1
  ip -n $2 link add veth$1 type veth peer name eth0 netns $1
  ip -n $2 link set veth$1 master cni0 up
  ip -n $1 link set lo up; ip -n $1 link set eth0 up
  ip -n $1 addr add $3/24 dev eth0; ip -n $1 route add default via $4
}
bridgeNet NODE1 0; bridgeNet NODE2 1
pod POD-A NODE1 10.244.0.2 10.244.0.1; pod POD-C NODE1 10.244.0.3 10.244.0.1; pod POD-B NODE2 10.244.1.2 10.244.1.1
vtep() { # NODE SUBNET-INDEX LOCAL MAC PORT
  ip -n $1 link add flannel.1 address $4 type vxlan id 1 local $3 dev eth0 dstport $5 nolearning
  ip -n $1 link set flannel.1 up; ip -n $1 addr add 10.244.$2.0/32 dev flannel.1
}
peer() { # NODE REMOTE-INDEX REMOTE-IP REMOTE-MAC
  ip -n $1 neigh add 10.244.$2.0 lladdr $4 dev flannel.1 nud permanent
  bridge -n $1 fdb append $4 dev flannel.1 dst $3 self permanent
  ip -n $1 route add 10.244.$2.0/24 via 10.244.$2.0 dev flannel.1 onlink
}
vtep NODE1 0 192.168.10.101 0e:00:00:00:00:01 8472
vtep NODE2 1 192.168.10.102 0e:00:00:00:00:02 ${NODE2_PORT:-8472}
peer NODE1 1 192.168.10.102 0e:00:00:00:00:02
peer NODE2 0 192.168.10.101 0e:00:00:00:00:01
