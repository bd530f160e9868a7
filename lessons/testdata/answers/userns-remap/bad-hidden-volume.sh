# expect: fail
# A remapped root, but with a tmpfs over $EXERCISE_DIR in a mount namespace
# of its own: what it writes never reaches the shared folder (a container
# that does not see its volume).
# fail: remapped-root
# detail: remapped-root: could not leave a file in $EXERCISE_DIR
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ uid n < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid m < <(grep '^root:' /etc/subgid)
exec unshare --user --map-users="$uid,0,$n" --map-groups="$gid,0,$m" --setuid 0 --setgid 0 --mount \
	sh -c 'mount -t tmpfs none "$EXERCISE_DIR" && exec "$@"' sh "$@"
LAUNCH
