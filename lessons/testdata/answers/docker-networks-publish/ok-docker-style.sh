# expect: pass
# Docker's own shape: a DOCKER chain reached from PREROUTING for local addresses,
# the DNAT matched on the uplink and the host's address, and a FORWARD accept for it.
set -e
iptables -t nat -N DOCKER
iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER 2>/dev/null ||
	iptables -t nat -A PREROUTING -d 203.0.113.1/32 -j DOCKER
iptables -t nat -A DOCKER ! -i br0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
iptables -A FORWARD -d 11.11.11.2/32 ! -i br0 -o br0 -p tcp -m tcp --dport 80 -j ACCEPT
