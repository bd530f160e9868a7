# expect: fail
# A veth pair inside the box: it is more than loopback.
# fail: network
# detail: network: links besides lo: 
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
exec unshare --uts --net --pid --fork --mount-proc sh -c 'hostname box; ip link set lo up; ip link add v0 type veth peer name v1; exec "$@"' sh "$@"
LAUNCH
