# expect: fail
# Remapped, but the command runs as uid 1000 of the namespace, not its root.
# fail: remapped-root
# detail: remapped-root: runs as uid 1000 there
# cause: remapped-root: not-userns-root
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ uid _ < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid _ < <(grep '^root:' /etc/subgid)
exec unshare --user --map-users="$uid,0,2000" --map-groups="$gid,0,2000" --setuid 1000 --setgid 1000 "$@"
LAUNCH
