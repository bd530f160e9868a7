# hostile: take memory. A 2 GiB buffer (tail of 2 GiB of zeros with no
# newline, so tail keeps it all), a bash string doubled towards 2 GiB, python3's bytearray where
# there is one, and three 400 MiB buffers at once (1.2 GiB for the lab:
# more than the lab's 512 MiB where a cgroup bounds the lab as a whole).
head -c 2G /dev/zero | tail >/dev/null 2>&1
echo "TRY alloc-tail rc=${PIPESTATUS[1]}"
( s=x; for i in $(seq 31); do s=$s$s; echo "$i" > /tmp/grew; done ) 2>/dev/null
echo "TRY alloc-bash rc=$? grew=$(cat /tmp/grew)"
if command -v python3 >/dev/null; then
  python3 -c 'b = bytearray(2 << 30); b[-1] = 1' >/dev/null 2>&1; echo "TRY alloc-python rc=$?"
fi
grep -E ':(pids|memory)?:' /proc/self/cgroup | sed 's/^/CGROUP /'
for i in 1 2 3; do
  ( python3 -c 'import time; b = bytearray(400 << 20); b[::4096] = b"x" * (len(b) // 4096); time.sleep(1.5)' >/dev/null 2>&1; echo "TRY alloc-400m-$i rc=$?" ) &
done
wait
# The lab's writable folders are bounded tmpfs: filling one stops at its
# size (64 MiB for /tmp), never at the host's disk or memory.
head -c 200M /dev/zero > /tmp/h4big 2>/dev/null; echo "TRY fill-tmp rc=$? size=$(stat -c %s /tmp/h4big)"
rm -f /tmp/h4big
exit 0
