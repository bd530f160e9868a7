# expect: fail
# fault: dnat-prerouting
# The jump into KUBE-SERVICES from OUTPUT, but of the filter table: the
# DNAT is in nat.
# cause: node: dnat-chain
ip netns exec NODE2 iptables -I OUTPUT -m conntrack --ctstate NEW -j KUBE-SERVICES
