# expect: fail
# DNAT to RED's port 8080, where nothing listens.
# fail: published
# detail: published: OUTSIDE: connection to 203.0.113.1:8080 refused: the DNAT rule sends it to 11.11.11.2:8080 (RED), and nothing listens there
iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:8080
