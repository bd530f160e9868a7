# expect: fail
# unshare --pid without --fork: the first child the shell forks becomes PID 1
# of the new namespace and ends it; the command can no longer start.
# fail: pid1
# detail: pid1: ended without the command it was given still running
cat > "$EXERCISE_DIR/run" <<'LAUNCH'
root=$(mktemp -d /tmp/rootfs.XXXXXX)
mkdir -p "$root/usr" "$root/proc"
for d in bin lib lib64 sbin; do ln -s usr/$d "$root/$d"; done
exec unshare --mount --pid sh -c '
  mount --bind "$0" "$0" && mount --bind /usr "$0/usr" && cd "$0" && mkdir .old &&
  pivot_root . .old && umount -l /.old; exec "$@"' "$root" "$@"
LAUNCH
