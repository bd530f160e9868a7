# expect: fail
# KUBE-EXT without KUBE-MARK-MASQ (as externalTrafficPolicy: Local writes
# it, but with every endpoint kept): the endpoint on the other node answers
# the lab host directly.
# fail: node1-port
# fail: node2-port
# cause: node1-port: no-masquerade
# hint: node1-port: The NodePort's masquerade is missing across nodes
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables -t nat"
  $ipt -N KUBE-EXT-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
done
