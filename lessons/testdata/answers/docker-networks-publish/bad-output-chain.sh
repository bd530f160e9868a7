# expect: fail
# DNAT in OUTPUT: only the host's own connections go through it.
# fail: published
# detail: published: the DNAT rule for port 8080 is in OUTPUT, which packets arriving from another namespace never cross
# cause: published: dnat-chain
iptables -t nat -A OUTPUT -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
