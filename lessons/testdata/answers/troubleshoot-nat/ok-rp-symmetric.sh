# expect: pass
# fault: rp-filter
# The path made symmetric again: RED leaves by br0, as the host answers.
ip -n RED route replace default via 11.11.11.1
