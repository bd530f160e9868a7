# expect: fail
# A UTS namespace of its own, but the hostname never changed in it.
# fail: hostname
# detail: hostname: its hostname is still the lab host's
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
exec unshare --uts --net --pid --fork --mount-proc sh -c 'ip link set lo up; exec "$@"' sh "$@"
LAUNCH
