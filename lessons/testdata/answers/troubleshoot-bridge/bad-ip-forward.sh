# expect: fail
# fault: br-netfilter
# The usual wrong guess: forwarding is not what a bridge needs.
# cause: red-to-blue: forward-drop
# cause: blue-to-red: forward-drop
sysctl -w net.ipv4.ip_forward=1
