# expect: fail
# fault: dnat-broad
# RETURN on the wrong side: BLUE is still caught.
# cause: outbound: dnat-broad
iptables -t nat -I PREROUTING -i uplink -j RETURN
