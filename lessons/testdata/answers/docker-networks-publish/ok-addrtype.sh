# expect: pass
# Docker's own rule, written as dockerd writes it (a DOCKER chain reached for
# local destinations, the DNAT not for packets from the bridge).
set -e
iptables -t nat -N DOCKER
iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
iptables -t nat -A DOCKER ! -i br0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
