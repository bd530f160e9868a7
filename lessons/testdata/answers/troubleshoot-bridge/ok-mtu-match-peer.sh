# expect: pass
# fault: mtu-mismatch
# veth-blue given the MTU of its other end, BLUE's eth0, read from the lab.
mtu=$(ip -n BLUE link show eth0 | grep -o 'mtu [0-9]*' | cut -d' ' -f2)
ip link set dev veth-blue mtu "$mtu"
