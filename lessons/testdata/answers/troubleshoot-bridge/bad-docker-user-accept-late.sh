# expect: fail
# fault: docker-user-drop
# Another ACCEPT for the bridge, appended after the jump to DOCKER-USER:
# the DROP there still comes first.
# cause: red-to-blue: forward-rule
# cause: blue-to-red: forward-rule
iptables -A FORWARD -i br0 -o br0 -j ACCEPT
