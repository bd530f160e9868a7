# expect: pass
# fault: no-fdb
# The all-zeros entry: every MAC flannel.1 has no entry for goes to NODE2.
bridge -n NODE1 fdb append 00:00:00:00:00:00 dev flannel.1 dst 192.168.10.102 self permanent
