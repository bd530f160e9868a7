# expect: pass
# fault: no-fdb
bridge -n NODE1 fdb add 0e:6f:1a:00:00:02 dev flannel.1 dst 192.168.10.102 self permanent
