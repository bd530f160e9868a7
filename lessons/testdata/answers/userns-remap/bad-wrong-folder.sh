# expect: fail
# Right namespace, wrong place: the file lands in the working folder.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof does not exist
unshare --user --map-users=165536,0,65536 --map-groups=165536,0,65536 --setuid 0 --setgid 0 touch proof
