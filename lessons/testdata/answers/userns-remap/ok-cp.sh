# expect: pass
# No shell inside: cp itself, as the remapped root, copies its own uid_map.
IFS=: read -r _ uid nuid < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid ngid < <(grep '^root:' /etc/subgid)
unshare --user --map-users="$uid,0,$nuid" --map-groups="$gid,0,$ngid" --setuid 0 --setgid 0 \
	cp /proc/self/uid_map "$EXERCISE_DIR/proof"
