# kube-proxy's rules for Service default/web (10.96.0.100:80/TCP, NodePort 30080), as
# kube-proxy's iptables mode writes them with iptables-restore on both nodes (run after
# underlay.sh and flannel.sh; the same rules as lessons/builtin/service.yaml's restore step).
# EPS lists the endpoints: A (POD-A 10.244.0.2:80), B (POD-B 10.244.1.2:80); none gives
# kube-proxy's REJECT in filter KUBE-SERVICES. Banner servers listen on POD-A:80, POD-B:80.
EPS=${EPS-A B}
for p in POD-A POD-B; do ip netns exec $p sh -c "while :; do echo web on $p | nc -l -N 80 >/dev/null 2>&1; done" & done
for b in NODE1:vethPOD-A NODE1:vethPOD-C NODE2:vethPOD-B; do bridge -n ${b%%:*} link set dev ${b#*:} hairpin on; done
sepA=KUBE-SEP-ZA46Z6MXOL6YIMBQ; sepB=KUBE-SEP-PBQ62IOVWGYEN623; svc=KUBE-SVC-CDGGSHYLG3RE2FKL
set -- $EPS
for n in NODE1 NODE2; do
{
echo '*filter'
echo ':KUBE-SERVICES - [0:0]'
echo ':KUBE-FORWARD - [0:0]'
echo '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP'
echo '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT'
echo '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
[ $# = 0 ] && echo '-A KUBE-SERVICES -m comment --comment "default/web:http has no endpoints" -m tcp -p tcp -d 10.96.0.100 --dport 80 -j REJECT'
echo 'COMMIT'
echo '*nat'
echo ':KUBE-SERVICES - [0:0]'
echo ':KUBE-POSTROUTING - [0:0]'
echo ':KUBE-MARK-MASQ - [0:0]'
echo ':KUBE-NODEPORTS - [0:0]'
if [ $# -gt 0 ]; then
echo ":$svc - [0:0]"
for e; do eval "echo :\$sep$e - [0:0]"; done
fi
echo '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN'
echo '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000'
echo '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully'
echo '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'
if [ $# -gt 0 ]; then
echo "-A KUBE-SERVICES -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 10.96.0.100 --dport 80 -j $svc"
echo "-A $svc -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 10.96.0.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ"
i=$#
for e; do
  case $e in A) ip=10.244.0.2; sep=$sepA;; B) ip=10.244.1.2; sep=$sepB;; esac
  prob=""; [ $i -gt 1 ] && prob="-m statistic --mode random --probability $(awk "BEGIN{printf \"%.10f\", 1/$i}") "
  echo "-A $svc -m comment --comment \"default/web:http -> $ip:80\" $prob-j $sep"
  i=$((i-1))
done
for e; do
  case $e in A) ip=10.244.0.2; sep=$sepA;; B) ip=10.244.1.2; sep=$sepB;; esac
  echo "-A $sep -m comment --comment default/web:http -s $ip -j KUBE-MARK-MASQ"
  echo "-A $sep -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination $ip:80"
done
fi
echo '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'
echo 'COMMIT'
} | ip netns exec $n iptables-restore --noflush
ip netns exec $n iptables -t nat -C PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES 2>/dev/null || {
ip netns exec $n iptables -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec $n iptables -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec $n iptables -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
ip netns exec $n iptables -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec $n iptables -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
ip netns exec $n iptables -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
}
done
set --
