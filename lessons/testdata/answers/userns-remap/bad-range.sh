# expect: fail
# A range /etc/subuid does not give root: newuidmap refuses, the launcher ends.
# fail: remapped-root
# cause: remapped-root: launcher-ended
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
exec unshare --user --map-users=300000,0,65536 --map-groups=300000,0,65536 --setuid 0 --setgid 0 "$@"
LAUNCH
