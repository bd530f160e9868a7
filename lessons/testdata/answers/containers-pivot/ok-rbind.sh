# expect: pass
# pivot_root(".", ".") as runc does: the old root is stacked on top of the
# new one and detached from "."; /proc is mounted in the new root first.
cat > "$EXERCISE_DIR/run" <<'LAUNCH'
root=/tmp/rootfs-$$
mkdir -p "$root/usr" "$root/proc"
for d in bin lib lib64 sbin; do ln -sfn usr/$d "$root/$d"; done
exec unshare --mount --pid --fork sh -c '
  mount --rbind "$0" "$0" && mount --bind /usr "$0/usr" && mount -t proc proc "$0/proc" && cd "$0" &&
  pivot_root . . && umount -l . && exec "$@"' "$root" "$@"
LAUNCH
