# expect: fail
# Both DNAT rules, but the first matches every packet: POD-B:80 never gets
# a connection, and POD-A always reaches itself.
# fail: both-endpoints
# hint: both-endpoints: A single endpoint for every connection
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables -t nat"
  $ipt -N SVC-WEB
  $ipt -A PREROUTING -d 10.96.0.100 -p tcp --dport 80 -j SVC-WEB
  $ipt -A OUTPUT -d 10.96.0.100 -p tcp --dport 80 -j SVC-WEB
  $ipt -A SVC-WEB -p tcp -j DNAT --to-destination 10.244.0.2:80
  $ipt -A SVC-WEB -p tcp -j DNAT --to-destination 10.244.1.2:80
  $ipt -A POSTROUTING -m conntrack --ctstate DNAT -j MASQUERADE
done
