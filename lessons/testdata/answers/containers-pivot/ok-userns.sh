# expect: pass
# In a user namespace of its own, as rootless runc does; the root is a
# tmpfs mounted there.
cat > "$EXERCISE_DIR/run" <<'LAUNCH'
exec unshare --user --map-root-user --mount --pid --fork bash -c '
  set -e
  r=/mnt
  mount -t tmpfs tmpfs $r
  mkdir $r/usr $r/proc $r/old
  for d in bin lib lib64 sbin; do ln -s usr/$d $r/$d; done
  mount --rbind /usr $r/usr
  cd $r
  pivot_root . old
  mount -t proc proc /proc
  umount -l /old
  exec "$@"' bash "$@"
LAUNCH
