# expect: fail
# fault: port-down
# BLUE's inner end was up already; the host end stays down.
# cause: blue-port: link-down
# hint: blue-port: `veth-blue` in host is down
# cause: red-to-blue: link-down
ip -n BLUE link set eth0 up
