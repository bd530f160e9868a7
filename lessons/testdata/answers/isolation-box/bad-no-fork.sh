# expect: fail
# unshare --pid without --fork: the shell's first child (hostname) becomes
# PID 1 of the new namespace and exits, which ends the namespace, so the
# shell cannot start anything after it.
# fail: pid1
# detail: pid1: ended without the command it was given still running
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
exec unshare --uts --net --pid sh -c 'hostname box; ip link set lo up; exec "$@"' sh "$@"
LAUNCH
