# expect: pass
# Only the first 1000 ids of root's range mapped: enough for a remapped root.
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ uid _ < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid _ < <(grep '^root:' /etc/subgid)
exec unshare --user --map-users="$uid,0,1000" --map-groups="$gid,0,1000" --setuid 0 --setgid 0 "$@"
LAUNCH
