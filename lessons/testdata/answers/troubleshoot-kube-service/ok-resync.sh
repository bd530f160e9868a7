# expect: pass
# What a kube-proxy full sync and the CNI plugin's settings leave, whatever
# was broken: hairpin on every pod port, bridged IPv4 through iptables, the
# OUTPUT and PREROUTING jumps checked (-C) and inserted when missing, the
# Service's chains restored whole (the REJECT of "no endpoints" removed),
# and the UDP entries of the endpoint that left deleted.
bridge -n NODE1 link set dev veth-a hairpin on
bridge -n NODE1 link set dev veth-c hairpin on
bridge -n NODE2 link set dev veth-b hairpin on
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables"
  ip netns exec $n sysctl -qw net.bridge.bridge-nf-call-iptables=1
  for c in PREROUTING OUTPUT; do
    $ipt -t nat -C $c -m comment --comment "kubernetes service portals" -j KUBE-SERVICES 2>/dev/null ||
      $ipt -t nat -I $c -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  done
  $ipt -D KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable 2>/dev/null || true
  $ipt -D KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable 2>/dev/null || true
  ip netns exec $n iptables-restore --noflush --counters <<'RULES'
*nat
:KUBE-NODEPORTS - [0:0]
:KUBE-EXT-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SEP-ZA46Z6MXOL6YIMBQ - [0:0]
:KUBE-SEP-PBQ62IOVWGYEN623 - [0:0]
-A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
-A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-ZA46Z6MXOL6YIMBQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.2:80" -j KUBE-SEP-PBQ62IOVWGYEN623
-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -m comment --comment default/web:http -s 10.244.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.0.2:80
-A KUBE-SEP-PBQ62IOVWGYEN623 -m comment --comment default/web:http -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-PBQ62IOVWGYEN623 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80
COMMIT
RULES
  $ipt -t nat -C KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL 2>/dev/null ||
    $ipt -t nat -I KUBE-SERVICES 1 -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
done
ip netns exec NODE1 conntrack -D -p udp --orig-dst 10.96.0.50 --dst-nat 10.244.0.2 2>/dev/null || true
