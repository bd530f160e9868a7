# expect: fail
# The FORWARD policy back to ACCEPT: the bridge lesson's first "fix" to
# avoid. It opens FORWARD to everything and the goal keeps it DROP.
# cause: forward-policy: policy
# hint: forward-policy: The FORWARD policy is ACCEPT
iptables -P FORWARD ACCEPT
