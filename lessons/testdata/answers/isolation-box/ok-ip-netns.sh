# expect: pass
# A named network namespace made with ip netns, joined with ip netns exec,
# and a user namespace besides; a random hostname.
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
ip netns add BOX 2>/dev/null || true
ip -n BOX link set lo up
exec ip netns exec BOX unshare --user --map-root-user --uts --pid --mount --fork --mount-proc bash -c 'hostname "box-$RANDOM"; exec "$@"' bash "$@"
LAUNCH
