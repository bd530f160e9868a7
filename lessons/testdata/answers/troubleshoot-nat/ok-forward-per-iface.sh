# expect: pass
# fault: forward-off
# Forwarding on only where the traffic comes in: br0 for the requests,
# uplink for the replies (the kernel asks the ingress interface).
sysctl -w net.ipv4.conf.br0.forwarding=1
sysctl -w net.ipv4.conf.uplink.forwarding=1
