# hostile: leave processes behind to act after the answer "ends" (while
# the checks run, or on the next answer): a setsid daemon, a nohup'd one,
# and one in a new PID namespace of its own. None may outlive the answer.
setsid sleep "$LAB_H4_SELF" </dev/null >/dev/null 2>&1 &
nohup sleep "$LAB_H4_SELF" </dev/null >/dev/null 2>&1 &
disown -a
unshare -p -f sleep "$LAB_H4_SELF" </dev/null >/dev/null 2>&1 &
disown -a
sleep 0.3
echo "LEFT $(pgrep -c -f "sleep $LAB_H4_SELF" 2>/dev/null || ls /proc | grep -c '^[0-9]')"
exit 0
