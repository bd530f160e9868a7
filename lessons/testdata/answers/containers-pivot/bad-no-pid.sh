# expect: fail
# pivot_root done right, but no PID namespace: the command is not PID 1.
# fail: pid1
# detail: pid1: runs in the lab host's pid namespace
cat > "$EXERCISE_DIR/run" <<'LAUNCH'
root=$(mktemp -d /tmp/rootfs.XXXXXX)
mkdir -p "$root/usr" "$root/proc"
for d in bin lib lib64 sbin; do ln -s usr/$d "$root/$d"; done
exec unshare --mount sh -c '
  mount --bind "$0" "$0" && mount --bind /usr "$0/usr" && cd "$0" && mkdir .old &&
  pivot_root . .old && mount -t proc proc /proc && umount -l /.old && exec "$@"' "$root" "$@"
LAUNCH
