# expect: fail
# DNAT to BLUE instead of RED.
# fail: published
# detail: published: the DNAT rule sends it to 11.11.11.3:80 (BLUE), and nothing listens there
iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.3:80
