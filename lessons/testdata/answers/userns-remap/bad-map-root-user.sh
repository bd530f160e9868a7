# expect: fail
# --map-root-user maps the namespace's root to root itself.
# fail: remapped-root
# detail: remapped-root: that root is the lab's root
# cause: remapped-root: root-to-root
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
exec unshare --user --map-root-user "$@"
LAUNCH
