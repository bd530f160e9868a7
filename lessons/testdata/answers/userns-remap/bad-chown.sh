# expect: fail
# Made by root, then given to an ordinary user: not a remapped root.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof holds no uid map
touch "$EXERCISE_DIR/proof"
chown 1000:1000 "$EXERCISE_DIR/proof"
