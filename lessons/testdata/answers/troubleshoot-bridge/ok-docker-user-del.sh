# expect: pass
# fault: docker-user-drop
# The admin's DROP deleted by its number in DOCKER-USER.
iptables -L DOCKER-USER --line-numbers -n
iptables -D DOCKER-USER 1
