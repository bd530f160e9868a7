# expect: fail
# The Service's port instead of its NodePort: nothing answers at 30080.
# fail: node1-port
# fail: node2-port
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables -t nat"
  $ipt -N KUBE-EXT-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-MARK-MASQ
  $ipt -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-NODEPORTS -p tcp -m tcp --dport 80 -j KUBE-EXT-CDGGSHYLG3RE2FKL
done
