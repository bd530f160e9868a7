# expect: pass
# By hand, as a container runtime does: start a process in a new user namespace,
# write its maps with newuidmap/newgidmap (they check /etc/subuid and /etc/subgid),
# then enter it as its root.
IFS=: read -r _ uid n < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid m < <(grep '^root:' /etc/subgid)
unshare --user sleep 30 &
pid=$!
sleep 0.1
newuidmap "$pid" 0 "$uid" "$n"
newgidmap "$pid" 0 "$gid" "$m"
nsenter --target "$pid" --user --setuid 0 --setgid 0 sh -c 'echo "inside: $(id -u)"; cat /proc/self/uid_map > "$EXERCISE_DIR/proof"'
kill "$pid"
stat -c 'on the host: %u' "$EXERCISE_DIR/proof"
