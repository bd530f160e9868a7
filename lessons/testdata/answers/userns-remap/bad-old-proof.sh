# expect: fail
# The exercise's old form: a map written into a file from a real remapped
# namespace, but no launcher. The file alone proves nothing now.
# fail: remapped-root
# cause: remapped-root: no-launcher
# hint: remapped-root: anyone can type one
IFS=: read -r _ uid nuid < <(grep '^root:' /etc/subuid)
IFS=: read -r _ gid ngid < <(grep '^root:' /etc/subgid)
unshare --user --map-users="$uid,0,$nuid" --map-groups="$gid,0,$ngid" --setuid 0 --setgid 0 \
	sh -c 'cat /proc/self/uid_map > "$EXERCISE_DIR/proof"'
