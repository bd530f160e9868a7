# expect: fail
# No user namespace at all: the command runs as the lab's root.
# fail: remapped-root
# detail: remapped-root: the command runs in the lab's own user namespace, as uid 0 (root)
# cause: remapped-root: no-userns
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
exec "$@"
LAUNCH
