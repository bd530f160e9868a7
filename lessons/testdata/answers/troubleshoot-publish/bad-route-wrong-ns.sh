# expect: fail
# fault: no-route-back
# BLUE had its route; RED, the server, still has none.
# cause: published: no-route-back
ip -n BLUE route replace default via 11.11.11.1
