# expect: pass
# fault: dnat-output
iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL ! -i br0 -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
