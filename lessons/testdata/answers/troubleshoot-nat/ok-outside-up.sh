# expect: pass
# fault: outside-down
ip -n OUTSIDE link set eth0 up
