# expect: fail
# No user namespace at all: the file belongs to root and holds nothing.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof holds no uid map
touch "$EXERCISE_DIR/proof"
