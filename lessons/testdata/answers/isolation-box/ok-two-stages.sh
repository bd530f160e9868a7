# expect: pass
# UTS and network first, then the PID namespace as a second unshare: the
# command is still the first process of the new PID namespace.
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
exec unshare --uts --net sh -c 'hostname c1; ip link set lo up; exec unshare --pid --fork "$@"' sh "$@"
LAUNCH
