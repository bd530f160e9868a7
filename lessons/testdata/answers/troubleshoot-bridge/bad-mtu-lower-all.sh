# expect: fail
# fault: mtu-mismatch
# The ends made to agree by lowering RED's and BLUE's eth0 to 1400 too:
# nothing is dropped silently any more, but a 1500-byte packet no longer
# leaves RED at all (ping -M do: message too long), and the goal asks for it.
# cause: full-size: mtu
ip -n RED link set eth0 mtu 1400
ip -n BLUE link set eth0 mtu 1400
