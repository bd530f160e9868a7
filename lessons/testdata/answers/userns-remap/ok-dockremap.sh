# expect: pass
# The remap range looked up from /etc/subuid as dockerd does: dockremap's line
# where the lab has one (as root), else root's.
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
IFS=: read -r _ start count < <(grep -E '^(dockremap|root):' /etc/subuid | sort | head -1)
exec unshare --user --map-users="$start,0,$count" --map-groups="$start,0,$count" --setuid 0 --setgid 0 "$@"
LAUNCH
