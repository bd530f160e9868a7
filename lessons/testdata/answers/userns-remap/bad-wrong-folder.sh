# expect: fail
# Right namespace, wrong place: the file lands in the working folder.
# fail: owner
# detail: owner: $EXERCISE_DIR/proof does not exist
IFS=: read -r _ uid n < <(grep '^root:' /etc/subuid)
unshare --user --map-users="$uid,0,$n" --map-groups="$uid,0,$n" --setuid 0 --setgid 0 sh -c 'cat /proc/self/uid_map > proof'
