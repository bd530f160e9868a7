# expect: fail
# A range /etc/subuid does not give root: newuidmap refuses, nothing is created.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof does not exist
unshare --user --map-users=100000,0,65536 --map-groups=100000,0,65536 --setuid 0 --setgid 0 touch "$EXERCISE_DIR/proof"
