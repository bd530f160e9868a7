# expect: fail
# fault: dnat-output
# A second OUTPUT rule: still not crossed by packets from OUTSIDE.
# cause: published: dnat-chain
iptables -t nat -A OUTPUT -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
