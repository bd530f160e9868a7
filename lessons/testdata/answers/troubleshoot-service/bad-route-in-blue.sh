# expect: fail
# fault: no-route
# The route went into BLUE, which had it already.
# cause: service: no-route
ip -n BLUE route replace default via 11.11.11.1
