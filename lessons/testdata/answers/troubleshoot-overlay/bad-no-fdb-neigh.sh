# expect: fail
# fault: no-fdb
# The neighbour was never the problem: the frame still has no VTEP.
# cause: a-to-b: no-fdb
# hint: a-to-b: has no fdb entry for that MAC
ip -n NODE1 neigh replace 10.244.1.0 lladdr 0e:6f:1a:00:00:02 dev flannel.1 nud permanent
