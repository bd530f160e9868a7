# expect: fail
# kube-proxy's chains without the endpoint chains' `-s ENDPOINT -j
# KUBE-MARK-MASQ`: the nodes' own connections are masqueraded (`! -s
# 10.244.0.0/16`), a pod sent to itself is not.
# fail: hairpin
# hint: hairpin: No masquerade for hairpin: a pod sent to itself drops the reply from its own address
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables -t nat"
  $ipt -N KUBE-SERVICES
  $ipt -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  $ipt -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  $ipt -N KUBE-POSTROUTING
  $ipt -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
done
for n in NODE1 NODE2; do
ip netns exec $n iptables-restore --noflush --counters <<'RULES'
*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SEP-ZA46Z6MXOL6YIMBQ - [0:0]
:KUBE-SEP-PBQ62IOVWGYEN623 - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-ZA46Z6MXOL6YIMBQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.2:80" -j KUBE-SEP-PBQ62IOVWGYEN623
-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.0.2:80
-A KUBE-SEP-PBQ62IOVWGYEN623 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80
COMMIT
RULES
done
