# expect: fail
# fault: wrong-prefix
# The prefix changed on the wrong side.
# cause: red-to-blue: wrong-prefix
ip -n RED addr del 11.11.11.2/24 dev eth0
ip -n RED addr add 11.11.11.2/16 dev eth0
