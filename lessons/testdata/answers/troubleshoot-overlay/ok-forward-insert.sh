# expect: pass
# fault: forward-drop
ip netns exec NODE2 iptables -I FORWARD -s 10.244.0.0/16 -j ACCEPT
ip netns exec NODE2 iptables -I FORWARD -d 10.244.0.0/16 -j ACCEPT
