# expect: fail
# The namespace is remapped, but the process never becomes its root: it keeps
# host root's credentials (uid 65534 inside), so the file is root's.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof is owned by uid 0 (root), want uid >= 100000
unshare --user --map-users=165536,0,65536 --map-groups=165536,0,65536 sh -c 'id -u; touch "$EXERCISE_DIR/proof"'
