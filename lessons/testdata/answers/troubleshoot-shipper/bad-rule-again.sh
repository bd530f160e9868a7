# expect: fail
# fault: stale-entry
# One more MASQUERADE rule, first in the chain: the rules are not the
# problem, and no rule reaches a flow whose NAT was decided already.
# cause: lines-translated: stale-conntrack
# hint: lines-translated: has an untranslated reply tuple
iptables -t nat -I POSTROUTING -s 11.11.11.2/32 -o uplink -j MASQUERADE
