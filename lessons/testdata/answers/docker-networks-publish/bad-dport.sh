# expect: fail
# The rule matches the container's port (80) instead of the published one (8080).
# fail: published
# detail: published: no DNAT rule in host matches 203.0.113.1:8080 (DNAT rules: -t nat -A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 11.11.11.2:80)
iptables -t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 11.11.11.2:80
