# expect: fail
# The right DNAT rule, but forwarding switched off.
# fail: published
# detail: published: the DNAT rule sends it to 11.11.11.2:80, but host does not forward (net.ipv4.ip_forward is 0)
# cause: published: no-forward
iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
sysctl -w net.ipv4.ip_forward=0
