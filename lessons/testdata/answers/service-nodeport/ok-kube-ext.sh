# expect: pass
# kube-proxy's NodePort chains, typed rule by rule instead of restored.
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables -t nat"
  $ipt -N KUBE-EXT-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ
  $ipt -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
  $ipt -A KUBE-NODEPORTS -p tcp -m comment --comment default/web:http -m tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
done
