# expect: pass
# fault: br-netfilter
# Appended, not inserted: still before the policy.
iptables -A FORWARD -i br0 -j ACCEPT
