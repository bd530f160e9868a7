# expect: fail
# fault: hairpin-off
# Promiscuous mode on the bridge: it changes what the bridge device
# receives, not whether a port sends a frame back where it came from.
# cause: hairpin: hairpin-off
ip -n NODE1 link set cni0 promisc on
