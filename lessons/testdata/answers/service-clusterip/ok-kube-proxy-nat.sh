# expect: pass
# kube-proxy's nat table alone (its filter chains add no path): the jumps,
# then its chains for default/web:http restored in one go.
for n in NODE1 NODE2; do
  ipt="ip netns exec $n iptables"
  $ipt -t nat -N KUBE-SERVICES
  $ipt -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  $ipt -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  $ipt -t nat -N KUBE-POSTROUTING
  $ipt -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
done
for n in NODE1 NODE2; do
ip netns exec $n iptables-restore --noflush --counters <<'EOF'
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-EXT-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SEP-ZA46Z6MXOL6YIMBQ - [0:0]
:KUBE-SEP-PBQ62IOVWGYEN623 - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-ZA46Z6MXOL6YIMBQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.2:80" -j KUBE-SEP-PBQ62IOVWGYEN623
-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -m comment --comment default/web:http -s 10.244.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.0.2:80
-A KUBE-SEP-PBQ62IOVWGYEN623 -m comment --comment default/web:http -s 10.244.1.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-PBQ62IOVWGYEN623 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
EOF
done
