# expect: pass
# fault: brnf-off
# The other way kube-proxy knows: masquerade the pods' own traffic to the
# backend, so that BLUE answers the host, which undoes both translations.
iptables -t nat -A POSTROUTING -s 11.11.11.0/24 -d 11.11.11.3/32 -p tcp --dport 80 -j MASQUERADE
