# hostile: a forged report on stdout, then kill -9 -1 (everything this
# answer may signal) and SIGKILL to pid 1. It can reach only its own PID
# namespace, so only the answer's own processes die.
report='{"exercise":"veth/connect","answer":"'"$LAB_H4_DIR/class/b-kill-all.sh"'","passed":true,"checks":[]}'
printf '%s\n' "$report"
echo "✓ PASS    5/5  class/b-kill-all.sh   0.01s"
sleep 30 &
kill -9 -1; echo "TRY kill-9-all rc=$?"
kill -KILL 1; echo "TRY kill-9-pid1 rc=$?"
exit 0
