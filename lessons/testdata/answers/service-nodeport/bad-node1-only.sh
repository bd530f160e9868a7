# expect: fail
# The NodePort on NODE1 only: nothing listens on NODE2's port 30080.
# fail: node2-port
for n in NODE1; do
  ipt="ip netns exec $n iptables -t nat"
  $ipt -N KUBE-EXT-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-MARK-MASQ
  $ipt -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
done
