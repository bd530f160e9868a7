# expect: pass
# Only `! -i br0`: connections from the containers' bridge are never rewritten,
# whatever their destination.
iptables -t nat -A PREROUTING ! -i br0 -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80
