# expect: pass
# uid 0 alone, further up the range, and the namespace made by a shell that
# then runs the command as its root: what counts is that the command's root
# maps to a uid of the range, which then owns its files.
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ uid _ < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid _ < <(grep '^root:' /etc/subgid)
exec unshare --user --map-users="$((uid + 10)),0,1" --map-groups="$((gid + 10)),0,1" --setuid 0 --setgid 0 sh -c 'exec "$@"' sh "$@"
LAUNCH
