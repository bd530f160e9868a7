# expect: fail
# The DNAT only in PREROUTING: pods reach the Service, the nodes' own
# connections never cross PREROUTING.
# fail: node1
# hint: node1: DNAT only in PREROUTING
# fail: node2
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables -t nat"
  $ipt -N SVC-WEB
  $ipt -A PREROUTING -d 10.96.0.100 -p tcp --dport 80 -j SVC-WEB
  $ipt -A SVC-WEB -p tcp -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.244.0.2:80
  $ipt -A SVC-WEB -p tcp -j DNAT --to-destination 10.244.1.2:80
  $ipt -A POSTROUTING -m conntrack --ctstate DNAT -j MASQUERADE
done
