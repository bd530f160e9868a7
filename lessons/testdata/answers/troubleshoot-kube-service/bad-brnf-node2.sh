# expect: fail
# fault: bridge-nf-off
# bridge-nf-call-iptables set on the wrong node: the reply that skips
# conntrack is bridged on NODE1.
# cause: pod: bridge-nf-off
ip netns exec NODE2 sysctl -w net.bridge.bridge-nf-call-iptables=1
