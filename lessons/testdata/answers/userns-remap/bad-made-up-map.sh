# expect: fail
# The hole of issue 20: the command runs as the first uid of the range in the
# lab's own user namespace (setpriv), and a map is made up in a file. That
# uid is an ordinary user there, root of nothing.
# fail: remapped-root
# detail: remapped-root: the command runs in the lab's own user namespace, as uid
# cause: remapped-root: no-userns
# hint: remapped-root: never entered a user namespace of its own
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ uid n < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid _ < <(grep '^root:' /etc/subgid)
printf '%10d %10d %10d\n' 0 "$uid" "$n" > "$EXERCISE_DIR/proof"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
LAUNCH
