# expect: pass
# The host's own address and the uplink as the way in, instead of addrtype.
iptables -t nat -A PREROUTING -d 203.0.113.1/32 -i uplink -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
