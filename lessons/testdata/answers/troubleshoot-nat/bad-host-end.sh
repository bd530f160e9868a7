# expect: fail
# fault: outside-down
# The host's end was up already.
# cause: red-out: link-down
ip link set uplink up
