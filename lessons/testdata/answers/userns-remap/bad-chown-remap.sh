# expect: fail
# The shortcut: the lab's root makes the file and chowns it into the remap
# range. The owner looks right; nothing was written by a remapped root.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof holds no uid map
touch "$EXERCISE_DIR/proof"
IFS=: read -r _ start _ < <(grep '^root:' /etc/subuid)
chown "$start" "$EXERCISE_DIR/proof"
