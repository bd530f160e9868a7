# expect: pass
# fault: dnat-broad
# Connections from the bridge are never published.
iptables -t nat -I PREROUTING -i br0 -j RETURN
