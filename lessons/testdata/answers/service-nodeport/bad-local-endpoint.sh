# expect: fail
# Each node sends its NodePort to the endpoint it holds itself: every
# connection is answered, always by the same endpoint per node.
# fail: node1-port
# fail: node2-port
# hint: node1-port: A single endpoint for every connection
ip netns exec NODE1 iptables -t nat -A KUBE-NODEPORTS -p tcp --dport 30080 -j DNAT --to-destination 10.244.0.2:80
ip netns exec NODE2 iptables -t nat -A KUBE-NODEPORTS -p tcp --dport 30080 -j DNAT --to-destination 10.244.1.2:80
