# expect: pass. An honest isolation/box launcher, graded next to the forger.
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
exec unshare --uts --net --pid --fork --mount-proc sh -c 'hostname box; ip link set lo up; exec "$@"' box "$@"
LAUNCH
