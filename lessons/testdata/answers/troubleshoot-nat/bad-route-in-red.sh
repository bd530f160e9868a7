# expect: fail
# fault: no-route
# The route went into RED, which had it already.
# cause: blue-out: no-route
ip -n RED route replace default via 11.11.11.1
