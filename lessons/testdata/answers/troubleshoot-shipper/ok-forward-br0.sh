# expect: pass
# fault: forward-off
# Forwarding on where the lines come in, br0: the shipper expects no reply.
sysctl -w net.ipv4.conf.br0.forwarding=1
