# expect: pass
# fault: wrong-prefix
ip -n BLUE addr del 11.11.11.3/32 dev eth0
ip -n BLUE addr add 11.11.11.3/24 dev eth0
