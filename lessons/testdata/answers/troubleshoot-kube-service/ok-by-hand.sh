# expect: pass
# Each place looked at with plain tools, and fixed only where it is wrong,
# in other words than kube-proxy's: ip instead of bridge for the hairpin
# flag, /proc for the sysctl, one's own rules beside kube-proxy's.
for p in NODE1/veth-a NODE1/veth-c NODE2/veth-b; do
  ip -n ${p%/*} -d link show ${p#*/} | grep -q 'hairpin on' || ip -n ${p%/*} link set dev ${p#*/} type bridge_slave hairpin on
done
for n in NODE1 NODE2; do
  ip netns exec $n sh -c 'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables'
  # A node's own connections: OUTPUT must lead where PREROUTING does.
  ip netns exec $n iptables -t nat -S OUTPUT | grep -q KUBE-SERVICES ||
    ip netns exec $n iptables -t nat -A OUTPUT -d 10.96.0.0/12 -j KUBE-SERVICES
  # "has no endpoints": the Service's own chains again, typed one by one.
  if ip netns exec $n iptables -S KUBE-SERVICES | grep -q 'has no endpoints'; then
    ip netns exec $n iptables -F KUBE-SERVICES
    ip netns exec $n iptables -F KUBE-EXTERNAL-SERVICES
    ipt="ip netns exec $n iptables -t nat"
    $ipt -N WEB-A; $ipt -N WEB-B; $ipt -N WEB
    $ipt -A WEB-A -s 10.244.0.2 -j KUBE-MARK-MASQ
    $ipt -A WEB-A -p tcp -j DNAT --to-destination 10.244.0.2:80
    $ipt -A WEB-B -s 10.244.1.2 -j KUBE-MARK-MASQ
    $ipt -A WEB-B -p tcp -j DNAT --to-destination 10.244.1.2:80
    $ipt -A WEB -m statistic --mode nth --every 2 --packet 0 -j WEB-A
    $ipt -A WEB -j WEB-B
    $ipt -I KUBE-SERVICES 1 -d 10.96.0.100 -p tcp --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
    $ipt -I KUBE-SERVICES 2 -d 10.96.0.100 -p tcp --dport 80 -j WEB
    $ipt -A KUBE-NODEPORTS -p tcp --dport 30080 -j KUBE-MARK-MASQ
    $ipt -A KUBE-NODEPORTS -p tcp --dport 30080 -j WEB
  fi
  # A NodePort that reaches the other node must be masqueraded.
  ip netns exec $n iptables -t nat -S KUBE-EXT-CDGGSHYLG3RE2FKL 2>/dev/null | grep -q KUBE-MARK-MASQ ||
    ip netns exec $n iptables -t nat -I POSTROUTING -p tcp -m conntrack --ctstate DNAT --ctorigdstport 30080 -j MASQUERADE
done
# A UDP flow still DNATed to an address that is no endpoint any more.
ip netns exec NODE1 conntrack -L -p udp --orig-dst 10.96.0.50 2>/dev/null | grep -q 'src=10.244.1.2 ' ||
  ip netns exec NODE1 conntrack -D -p udp --orig-dst 10.96.0.50 2>/dev/null || true
