# expect: pass
# fault: br-netfilter
# Docker's way for its own bridge: accept bridge-to-bridge traffic in FORWARD.
iptables -I FORWARD -i br0 -o br0 -j ACCEPT
