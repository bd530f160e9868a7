# expect: fail
# The namespace is remapped, but the command never becomes its root: it keeps
# the lab root's uid, which the map leaves out (nobody inside).
# fail: remapped-root
# detail: remapped-root: is not in that namespace's map
# cause: remapped-root: not-userns-root
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ uid n < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid m < <(grep '^root:' /etc/subgid)
exec unshare --user --map-users="$uid,0,$n" --map-groups="$gid,0,$m" "$@"
LAUNCH
