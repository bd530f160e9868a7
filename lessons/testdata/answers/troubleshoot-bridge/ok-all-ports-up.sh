# expect: pass
# fault: port-down
# Every port of br0 up, whatever their names.
for l in $(ip -o link show master br0 | awk -F": " "{print \$2}" | cut -d@ -f1); do ip link set "$l" up; done
