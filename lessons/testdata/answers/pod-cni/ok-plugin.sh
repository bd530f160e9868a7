# expect: pass
# The real plugins, where installed, with host-local told to start at .3
# (POD-A's address was given by hand, so host-local has no lease for it).
cat > conf.json <<J
{"cniVersion": "1.0.0", "name": "cbr0", "type": "bridge", "bridge": "cni0",
 "isGateway": true, "ipMasq": true, "hairpinMode": true,
 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.0.0/24", "rangeStart": "10.244.0.3"}]],
          "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$EXERCISE_DIR/ipam"}}
J
if [ -x /usr/lib/cni/bridge ]; then
  ip netns exec NODE1 env CNI_COMMAND=ADD CNI_CONTAINERID=pod-c CNI_NETNS=/run/netns/POD-C \
    CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge < conf.json
else
  ip -n NODE1 link add vethpodc type veth peer name eth0 netns POD-C
  ip -n NODE1 link set vethpodc master cni0 up
  ip -n POD-C addr add 10.244.0.3/24 dev eth0
  ip -n POD-C link set eth0 up
  ip -n POD-C route add default via 10.244.0.1
  ip netns exec NODE1 iptables -t nat -A POSTROUTING -s 10.244.0.3 ! -d 10.244.0.0/24 -j MASQUERADE
fi
