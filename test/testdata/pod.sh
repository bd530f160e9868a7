# The pod stand-in (pod_test.go): run as root of a fresh user namespace
# (65536 ids, its own mount, pid, net, uts and ipc namespaces), it makes
# what a container runtime makes for a pod with hostUsers: false, then runs
# "$@" as the image's user 10001 with the pod's capability bounding set
# (deploy/kubernetes/statefulset.yaml). MASK=1: /proc masked as runc does
# by default (maskedPaths, readonlyPaths); MASK=0: procMount: Unmasked.
# /sys read-only, as runc mounts it for a container that is not privileged.
set -e
mount --make-rprivate /
mount -t proc proc /proc
if [ "$MASK" = 1 ]; then
  for p in /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/sched_debug; do [ -e $p ] && mount --bind /dev/null $p; done
  for p in /proc/acpi /proc/scsi; do if [ -d $p ]; then mount -t tmpfs -o ro tmpfs $p; fi; done
  for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do if [ -e $p ]; then mount --bind $p $p; mount -o remount,bind,ro $p; fi; done
fi
mount -t sysfs -o ro sysfs /sys
ip link set lo up
cd /
export XDG_STATE_HOME="$POD_STATE" HOME="$POD_STATE"
exec setpriv --reuid=10001 --regid=10001 --clear-groups --inh-caps=-all --bounding-set=-all,+chown,+dac_override,+dac_read_search,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+setfcap,+net_bind_service,+net_broadcast,+net_admin,+net_raw,+ipc_owner,+sys_chroot,+sys_admin,+sys_nice,+lease,+audit_write "$@"
