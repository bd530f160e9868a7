# externalTrafficPolicy: Local for default/web, as kube-proxy's iptables mode writes it on
# NODE1, a node with no endpoint of the Service (after kubeproxy.sh with EPS='B'): the
# NodePort 30080 and the load balancer address 192.168.10.240:80 go to KUBE-EXT, whose Local
# chain sends on only pods' and the node's own connections (no KUBE-SVL: nothing local), and
# filter KUBE-EXTERNAL-SERVICES, reached from INPUT and FORWARD for NEW connections, drops
# the rest with the comment "has no local endpoints" (the NodePort's by -m addrtype, the
# address's by -d: it is not the node's own, so it is routed). Used by test/trace_local_test.go
# and lessons/predict_lb_local_test.go.
ext=KUBE-EXT-CDGGSHYLG3RE2FKL
svc=KUBE-SVC-CDGGSHYLG3RE2FKL
ip netns exec NODE1 iptables-restore --noflush <<RULES
*filter
:KUBE-EXTERNAL-SERVICES - [0:0]
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/web:http has no local endpoints" -m tcp -p tcp -d 192.168.10.240 --dport 80 -j DROP
COMMIT
*nat
:$ext - [0:0]
-A KUBE-SERVICES -m comment --comment "default/web:http loadbalancer IP" -m tcp -p tcp -d 192.168.10.240 --dport 80 -j $ext
-A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 30080 -j $ext
-A $ext -m comment --comment "pod traffic for default/web:http external destinations" -s 10.244.0.0/16 -j $svc
-A $ext -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A $ext -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j $svc
COMMIT
RULES
ip netns exec NODE1 iptables -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
ip netns exec NODE1 iptables -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
