# expect: fail
# A network namespace of its own, but loopback left down.
# fail: network
# detail: network: lo DOWN
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
exec unshare --uts --net --pid --fork --mount-proc sh -c 'hostname box; exec "$@"' sh "$@"
LAUNCH
