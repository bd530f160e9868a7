# expect: pass
# iptables DNAT limited to packets that come in by `uplink` for 203.0.113.1.
iptables -t nat -A PREROUTING -i uplink -d 203.0.113.1 -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
iptables -t nat -L PREROUTING -n
