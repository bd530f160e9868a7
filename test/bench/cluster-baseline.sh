#!/usr/bin/env bash
# Baseline for the cluster lab of issue 21: the 2-node, 3-pod flannel lab
# (underlay bridge, NODE1 and NODE2, a cni0 on each, POD-A, POD-C, POD-B,
# flannel.1 with flanneld's neighbour, fdb entry and onlink route per remote
# node) typed as ip, bridge and sysctl commands, one per line, exactly as a
# person would type them. The engine's BenchmarkClusterBuild builds the same
# lab (engine.ClusterActions, whose commands TestClusterBaselineScript holds
# to the lines below) and runs this script as a whole process in the same
# run, for the ratio. Runs inside private network and mount namespaces so the
# real host is never touched:
#   unshare --net --mount --fork bash test/bench/cluster-baseline.sh
# (rootless: unshare --map-root-user --net --mount --fork bash ...).
set -euo pipefail
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
ip link set lo up
# --- the lab, one command per line (TestClusterBaselineScript reads from here)
ip link add underlay type bridge
ip link set underlay up
ip addr add 192.168.10.1/24 dev underlay
ip netns add NODE1
ip -n NODE1 link set lo up
ip link add veth-NODE1 type veth peer name eth0 netns NODE1
ip link set veth-NODE1 master underlay
ip link set veth-NODE1 up
ip -n NODE1 link set eth0 up
ip -n NODE1 addr add 192.168.10.101/24 dev eth0
ip -n NODE1 route add default via 192.168.10.1
ip netns exec NODE1 sysctl -w net.ipv4.ip_forward=1
ip -n NODE1 link add cni0 type bridge
ip -n NODE1 link set cni0 up
ip -n NODE1 addr add 10.244.0.1/24 dev cni0
ip netns add POD-A
ip -n POD-A link set lo up
ip -n NODE1 link add veth-POD-A type veth peer name eth0 netns POD-A
ip -n NODE1 link set veth-POD-A master cni0
ip -n NODE1 link set veth-POD-A up
ip -n POD-A link set eth0 up
ip -n POD-A addr add 10.244.0.2/24 dev eth0
ip -n POD-A route add default via 10.244.0.1
ip netns add POD-C
ip -n POD-C link set lo up
ip -n NODE1 link add veth-POD-C type veth peer name eth0 netns POD-C
ip -n NODE1 link set veth-POD-C master cni0
ip -n NODE1 link set veth-POD-C up
ip -n POD-C link set eth0 up
ip -n POD-C addr add 10.244.0.3/24 dev eth0
ip -n POD-C route add default via 10.244.0.1
ip -n NODE1 link add flannel.1 address 0a:58:c0:a8:0a:65 type vxlan id 1 local 192.168.10.101 dev eth0 dstport 8472 nolearning
ip -n NODE1 addr add 10.244.0.0/32 dev flannel.1
ip -n NODE1 link set flannel.1 up
ip netns add NODE2
ip -n NODE2 link set lo up
ip link add veth-NODE2 type veth peer name eth0 netns NODE2
ip link set veth-NODE2 master underlay
ip link set veth-NODE2 up
ip -n NODE2 link set eth0 up
ip -n NODE2 addr add 192.168.10.102/24 dev eth0
ip -n NODE2 route add default via 192.168.10.1
ip netns exec NODE2 sysctl -w net.ipv4.ip_forward=1
ip -n NODE2 link add cni0 type bridge
ip -n NODE2 link set cni0 up
ip -n NODE2 addr add 10.244.1.1/24 dev cni0
ip netns add POD-B
ip -n POD-B link set lo up
ip -n NODE2 link add veth-POD-B type veth peer name eth0 netns POD-B
ip -n NODE2 link set veth-POD-B master cni0
ip -n NODE2 link set veth-POD-B up
ip -n POD-B link set eth0 up
ip -n POD-B addr add 10.244.1.2/24 dev eth0
ip -n POD-B route add default via 10.244.1.1
ip -n NODE2 link add flannel.1 address 0a:58:c0:a8:0a:66 type vxlan id 1 local 192.168.10.102 dev eth0 dstport 8472 nolearning
ip -n NODE2 addr add 10.244.1.0/32 dev flannel.1
ip -n NODE2 link set flannel.1 up
ip -n NODE1 neigh add 10.244.1.0 lladdr 0a:58:c0:a8:0a:66 dev flannel.1 nud permanent
bridge -n NODE1 fdb append 0a:58:c0:a8:0a:66 dev flannel.1 dst 192.168.10.102 self permanent
ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n NODE2 neigh add 10.244.0.0 lladdr 0a:58:c0:a8:0a:65 dev flannel.1 nud permanent
bridge -n NODE2 fdb append 0a:58:c0:a8:0a:65 dev flannel.1 dst 192.168.10.101 self permanent
ip -n NODE2 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
# --- end of the lab
