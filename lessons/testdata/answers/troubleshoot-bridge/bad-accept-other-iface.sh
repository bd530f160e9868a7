# expect: fail
# fault: br-netfilter
# An ACCEPT rule for another interface.
# cause: red-to-blue: forward-drop
iptables -I FORWARD -i uplink -j ACCEPT
