# expect: fail
# fault: forward-drop
# cause: node2-forward: policy
ip netns exec NODE2 iptables -P FORWARD ACCEPT
