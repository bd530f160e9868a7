# expect: pass
# fault: port-down
ip link set veth-blue up
