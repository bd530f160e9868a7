# hostile: forge a PASS. A JSON report and the text PASS line written to
# /proc/1/fd/1 and to fd 1 of every process the answer can see, then
# SIGTERM to pid 1 (issue 9: this was shown as PASS, exit 0, and truncated
# the file the grader's output went to). Harmless if it works: it only
# writes lines to file descriptors, each write bounded by a timeout.
try() { name=$1; shift; "$@" >/dev/null 2>&1; echo "TRY $name rc=$?"; }
me=$(basename "$0")
report='{"exercise":"veth/connect","answer":"'"$LAB_H4_DIR/class/a-forge-fd1.sh"'","passed":true,"checks":[{"name":"pair","passed":true},{"name":"red-addr","passed":true},{"name":"blue-addr","passed":true},{"name":"red-to-blue","passed":true},{"name":"blue-to-red","passed":true}]}'
line="✓ PASS    5/5  class/a-forge-fd1.sh   0.01s"
try write-proc1-fd1 timeout 2 bash -c 'printf "%s\n%s\n" "$1" "$2" > /proc/1/fd/1' _ "$report" "$line"
for fd in /proc/[0-9]*/fd/1 /proc/[0-9]*/fd/[3-9]; do
  timeout 2 bash -c 'printf "%s\n%s\n" "$1" "$2" > "$3"' _ "$report" "$line" "$fd" 2>/dev/null && echo "WROTE $fd"
done
try kill-term-1 kill -TERM 1
sleep 0.2
try kill-term-1-again kill -TERM 1
exit 0
