# expect: fail
# A range /etc/subuid does not give root: newuidmap refuses, nothing is created.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof does not exist
unshare --user --map-users=300000,0,65536 --map-groups=300000,0,65536 --setuid 0 --setgid 0 sh -c 'cat /proc/self/uid_map > "$EXERCISE_DIR/proof"'
