# expect: fail
# Hostname and network of its own, but no PID namespace: the command is not PID 1.
# fail: pid1
# detail: pid1: runs in the lab host's pid namespace
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
exec unshare --uts --net sh -c 'hostname box; ip link set lo up; exec "$@"' sh "$@"
LAUNCH
