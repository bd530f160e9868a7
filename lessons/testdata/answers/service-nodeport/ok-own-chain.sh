# expect: pass
# A chain of one's own from PREROUTING, for the node's own address only,
# and a MASQUERADE of its own for every connection that arrived at 30080.
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables -t nat"
  addr=$(ip -n $n -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
  $ipt -N WEB-NODEPORT
  $ipt -A PREROUTING -d "$addr" -p tcp --dport 30080 -j WEB-NODEPORT
  $ipt -A WEB-NODEPORT -j KUBE-SVC-CDGGSHYLG3RE2FKL
  $ipt -I POSTROUTING -p tcp -m conntrack --ctstate DNAT --ctorigdstport 30080 -j MASQUERADE
done
