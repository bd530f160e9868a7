# expect: pass
# fault: docker-user-drop
# DOCKER-USER emptied: the chain and FORWARD's jump to it stay.
iptables -F DOCKER-USER
