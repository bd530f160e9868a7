# expect: fail
# chroot in a new mount and PID namespace: the namespace's top is still the lab's /.
# fail: root
# detail: root: a chroot
cat > "$EXERCISE_DIR/run" <<'LAUNCH'
root=$(mktemp -d /tmp/rootfs.XXXXXX)
mkdir -p "$root/usr" "$root/proc"
for d in bin lib lib64 sbin; do ln -s usr/$d "$root/$d"; done
exec unshare --mount --pid --fork sh -c 'mount --bind /usr "$0/usr" && exec chroot "$0" "$@"' "$root" "$@"
LAUNCH
