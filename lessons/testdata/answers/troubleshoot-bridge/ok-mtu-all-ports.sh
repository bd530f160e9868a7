# expect: pass
# fault: mtu-mismatch
# Every port of br0 back to Ethernet's 1500 (the bridge follows its ports).
for port in $(ip -br link show master br0 | awk '{print $1}' | cut -d@ -f1); do
  ip link set "$port" mtu 1500
done
