# expect: pass
# fault: forward-off
# Forwarding on through /proc.
echo 1 > /proc/sys/net/ipv4/ip_forward
