# expect: fail
# fault: nodeport-masq
# Masquerade for the pods' own traffic out of the cluster: the lab host's
# connection to the NodePort comes from 192.168.10.1, which this rule
# leaves out.
# cause: nodeport: no-masquerade
ip netns exec NODE1 iptables -t nat -A POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE
