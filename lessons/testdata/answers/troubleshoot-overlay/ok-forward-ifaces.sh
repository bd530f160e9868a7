# expect: pass
# fault: forward-drop
# By interface: what comes out of the tunnel and what goes into it.
ip netns exec NODE2 iptables -A FORWARD -i flannel.1 -j ACCEPT
ip netns exec NODE2 iptables -A FORWARD -o flannel.1 -j ACCEPT
