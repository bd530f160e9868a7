# expect: fail
# br_netfilter off: the bridge lesson's second "fix" to avoid. Bridged
# pings pass because iptables no longer sees them; the goal keeps it on.
# cause: br-netfilter-on: sysctl
# hint: br-netfilter-on: `net.bridge.bridge-nf-call-iptables` is not 1 any more
sysctl -w net.bridge.bridge-nf-call-iptables=0
