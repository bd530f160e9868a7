# expect: fail
# The lab's root writes its own uid_map and chowns the file: that map is the
# lab's, not a new user namespace's.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof holds the lab's own map
cat /proc/self/uid_map > "$EXERCISE_DIR/proof"
IFS=: read -r _ start _ < <(grep '^root:' /etc/subuid)
chown "$start" "$EXERCISE_DIR/proof"
