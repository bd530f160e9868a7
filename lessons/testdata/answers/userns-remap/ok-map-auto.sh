# expect: pass
# --map-auto takes the first range of root's line in /etc/subuid and /etc/subgid.
cat > "$EXERCISE_DIR/remap" <<'LAUNCH'
exec unshare --user --map-auto --setuid 0 --setgid 0 "$@"
LAUNCH
