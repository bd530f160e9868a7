// Package confine runs whatever a lab executes — a learner's shell, an answer
// script, a lesson's own commands, `nettutor sandbox SCRIPT` — confined the
// way container runtimes confine a container, whether nettutor was started as
// root or not:
//
//   - A keeper process per lab lives in a user namespace of its own whose
//     root maps to an unprivileged host range, as Docker's userns-remap does
//     (a private range when nettutor runs as root, the user's subordinate
//     range, or the user alone, when rootless). As root each lab has a range
//     of its own, and its user namespace is made by that range's root, so
//     the kernel's per-user pools (inotify instances, namespaces, keys,
//     mqueue bytes) count the lab apart from other labs and from the host's
//     root. Every network namespace of
//     the lab is made by the keeper, so it belongs to that user namespace:
//     the lab's root can administer the lab's links and rules, and its
//     capabilities mean nothing anywhere else (not over host files, host
//     sysctls or host devices).
//   - The keeper's mount namespace is a locked copy of the sandbox's: the
//     read-only host binds cannot be made writable or unmounted to reveal
//     what is beneath. It pivots into a root built for the lab (read-only
//     /usr, /bin, /sbin, /lib*, a few /etc files; private tmpfs /tmp,
//     /root, /home, /run, /var; a minimal /dev), so no host path, socket or
//     home directory is reachable.
//   - Each program starts from a per-spawn init ("helper") in new mount and
//     PID namespaces with a fresh /proc and /sys, so it sees no process but
//     its own; no_new_privs, a reduced capability bounding set and rlimits
//     apply; and a cgroup per lab limits pids, memory and CPU where the
//     machine lets nettutor use one. The commands the engine itself shows
//     (a lesson's `run` steps) start from one such helper kept for the
//     lab's life, the lab's runner (runner.go), as a lab shell starts what
//     a learner types: they share its PID and mount namespaces among
//     themselves, apart from every other program of the lab.
//
// The engine (outside the keeper's user namespace, with the privileges of
// the user who started nettutor) talks to the keeper over a socket that only
// it holds, to make and pin namespaces and to spawn programs. A spawn is an
// ordinary *exec.Cmd in the engine — a small client process that hands its
// standard streams to the keeper and exits with the confined program's
// status — so callers keep using os/exec and tea.ExecProcess unchanged.
package confine
