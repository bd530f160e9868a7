# hostile: find the sibling answer of a class run and break its lab.
# Uncovers whatever is beneath /proc, mounts a fresh proc, and for a few
# seconds looks at every process for the sibling's marker (its `sleep
# LAB_H4_SLEEP`); every pid it sees it tries to enter (nsenter -t PID -m -n)
# to delete RED and BLUE's links. Harmless if it works: it can only touch
# labs, which the test throws away.
try() { name=$1; shift; "$@" >/dev/null 2>&1; echo "TRY $name rc=$?"; }
sleep "$LAB_H4_SELF" &
# A user namespace may mount proc only while one is visible: one aside
# first, then uncover what is beneath /proc and mount another there.
mkdir -p /tmp/freshproc
try mount-fresh-proc mount -t proc proc /tmp/freshproc
try umount-proc umount -l /proc
echo "UNCOVERED $(ls /proc 2>/dev/null | grep -c '^[0-9]')"
try mount-proc mount -t proc proc /proc
for round in $(seq 40); do
  for p in /proc/[0-9]* /tmp/freshproc/[0-9]*; do
    pid=${p#/proc/}
    cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)
    case "$cmd" in
      *"sleep $LAB_H4_SLEEP"*) echo "FOUND sibling $pid: $cmd" ;;
      *"sleep $LAB_H4_SELF"*) [ "$round" = 1 ] && echo "SELF-SEEN $pid" ;;
    esac
    [ "$pid" = "$$" ] && continue
    nsenter -t "$pid" -m -n sh -c 'ip -n RED link del veth0; ip -n BLUE link del veth1; ip link del veth0; ip netns del RED; ip netns del BLUE' >/dev/null 2>&1 \
      && [ "$round" = 1 ] && echo "ENTERED $pid"
  done
  sleep 0.1
done
kill -9 -1
echo "TRY kill-9-all rc=$?"
exit 0
