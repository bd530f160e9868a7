# expect: fail
# The bare rule: it publishes the port, but it also catches BLUE's own
# connection to OUTSIDE's port 8080 and sends it to RED.
# fail: outbound
# detail: outbound: the DNAT rule in host (-t nat -A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80) matches this connection too
# cause: outbound: dnat-broad
iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
