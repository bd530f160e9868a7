# expect: fail
# fault: forward-off
# Forwarding on for the way out: the kernel asks the interface a packet
# comes in on, br0, which still does not forward.
# cause: lines-translated: no-forward
sysctl -w net.ipv4.conf.uplink.forwarding=1
