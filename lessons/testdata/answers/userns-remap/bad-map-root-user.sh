# expect: fail
# --map-root-user maps the namespace's root to root itself.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof is owned by uid 0 (root), want uid >= 100000
unshare --user --map-root-user touch "$EXERCISE_DIR/proof"
