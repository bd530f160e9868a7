# expect: pass
# A point-to-point VXLAN per node: `remote` names the other node, so the
# kernel's default fdb entry (00:00:00:00:00:00 dst REMOTE) sends every
# frame there, ARP included; the neighbours are learned over the tunnel.
ip -n NODE1 link add vx-to-node2 type vxlan id 1 remote 192.168.10.102 local 192.168.10.101 dev eth0 dstport 8472
ip -n NODE2 link add vx-to-node1 type vxlan id 1 remote 192.168.10.101 local 192.168.10.102 dev eth0 dstport 8472
ip -n NODE1 addr add 10.244.0.0/32 dev vx-to-node2
ip -n NODE2 addr add 10.244.1.0/32 dev vx-to-node1
ip -n NODE1 link set vx-to-node2 up
ip -n NODE2 link set vx-to-node1 up
ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev vx-to-node2 onlink
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev vx-to-node1 onlink
