# expect: fail
# fault: brnf-off
# RED's way to BLUE through the host: the request went through the host
# already; BLUE's answer still crosses only the bridge.
# cause: service: no-br-netfilter
# hint: service: bridged packets skip iptables and conntrack
ip -n RED route add 11.11.11.3/32 via 11.11.11.1
