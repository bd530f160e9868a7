# expect: pass
# fault: brnf-off
# Bridged IPv4 through iptables again, by /proc.
echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables
