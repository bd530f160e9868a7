# expect: pass
# flannel's static form, typed as one `ip -batch` per node and a bridge
# batch, with other device names and learning left on.
ip -n NODE1 -batch - <<'IP'
link add vxlan0 address 02:00:00:00:01:01 type vxlan id 1 local 192.168.10.101 dev eth0 dstport 8472
addr add 10.244.0.0/32 dev vxlan0
link set vxlan0 up
neigh add 10.244.1.0 lladdr 02:00:00:00:02:01 dev vxlan0 nud permanent
IP
ip -n NODE2 -batch - <<'IP'
link add vxlan0 address 02:00:00:00:02:01 type vxlan id 1 local 192.168.10.102 dev eth0 dstport 8472
addr add 10.244.1.0/32 dev vxlan0
link set vxlan0 up
neigh add 10.244.0.0 lladdr 02:00:00:00:01:01 dev vxlan0 nud permanent
IP
bridge -n NODE1 fdb append 02:00:00:00:02:01 dev vxlan0 dst 192.168.10.102 self permanent
bridge -n NODE2 fdb append 02:00:00:00:01:01 dev vxlan0 dst 192.168.10.101 self permanent
ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev vxlan0 onlink
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev vxlan0 onlink
