# expect: fail
# fault: no-endpoints
# The Service restored on NODE1 only: NODE2 still rejects it.
# cause: node: svc-rejected
ip netns exec NODE1 iptables -D KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
ip netns exec NODE1 iptables -D KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable
ip netns exec NODE1 iptables-restore --noflush <<'RULES'
*nat
:KUBE-EXT-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SEP-ZA46Z6MXOL6YIMBQ - [0:0]
:KUBE-SEP-PBQ62IOVWGYEN623 - [0:0]
-I KUBE-SERVICES 1 -m tcp -p tcp -d 10.96.0.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-NODEPORTS -m tcp -p tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m tcp -p tcp -d 10.96.0.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-MARK-MASQ
-A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-ZA46Z6MXOL6YIMBQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -j KUBE-SEP-PBQ62IOVWGYEN623
-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -s 10.244.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -m tcp -p tcp -j DNAT --to-destination 10.244.0.2:80
-A KUBE-SEP-PBQ62IOVWGYEN623 -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-PBQ62IOVWGYEN623 -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80
COMMIT
RULES
