# expect: fail
# No user namespace at all: the file belongs to root.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof is owned by uid 0 (root), want uid >= 100000
touch "$EXERCISE_DIR/proof"
