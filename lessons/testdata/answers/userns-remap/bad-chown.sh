# expect: fail
# Made by root, then given to an ordinary user: not a remapped root.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof is owned by uid 1000, want uid >= 100000
touch "$EXERCISE_DIR/proof"
chown 1000:1000 "$EXERCISE_DIR/proof"
