# expect: fail
# The namespaces made by hand in the answer, no launcher: nothing for the grader to start.
# fail: hostname
# fail: pid1
# fail: network
# detail: pid1: there is no launcher at $EXERCISE_DIR/box
unshare --uts --net --pid --fork sh -c 'hostname box; ip link set lo up'
