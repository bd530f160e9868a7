# expect: pass
# fault: dnat-broad
iptables -t nat -D PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
iptables -t nat -A PREROUTING -d 203.0.113.1/32 -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
