# expect: fail
# New namespaces but no new root at all.
# fail: root
# detail: root: the command's / is the lab host's /
cat > "$EXERCISE_DIR/run" <<'LAUNCH'
exec unshare --mount --pid --fork --mount-proc "$@"
LAUNCH
