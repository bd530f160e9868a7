# expect: pass
# By hand, as a container runtime does: a process holds a new user namespace,
# newuidmap/newgidmap write its maps (they check /etc/subuid and /etc/subgid),
# then the command enters it as its root.
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ uid n < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid m < <(grep '^root:' /etc/subgid)
unshare --user sleep 600 &
pid=$!
sleep 0.1
newuidmap "$pid" 0 "$uid" "$n"
newgidmap "$pid" 0 "$gid" "$m"
exec nsenter --target "$pid" --user --setuid 0 --setgid 0 "$@"
LAUNCH
