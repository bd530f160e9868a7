package lessons

import (
	"fmt"
	"strings"
)

// Script returns a bash script of every command the lesson shows, in order,
// that rebuilds the lesson's final lab state when run as root in a fresh
// network namespace. Commands are the ones shown, adapted where typing them
// as-is would not work in a script:
//
//   - probes (ping, nc, show) may fail or be missing on the machine, so they
//     do not stop the script (`|| true`); ping gets -W 1 so that a ping meant
//     to get no answer does not wait 10 s;
//   - the banner server (tcp_serve), the shown loop around nc, is detached
//     from the script's input and output;
//   - every nc reads /dev/null, never the script (bash < script.sh).
func Script(l *Lesson) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/usr/bin/env bash\n")
	fmt.Fprintf(&b, "# nettutor lesson %s: %s\n", l.ID, oneLine(l.Title.Get("en")))
	b.WriteString("# Every command the lesson shows, in order. Run it as root where it can do no\n")
	b.WriteString("# harm: in a fresh lab sandbox, which also shows what it built,\n")
	fmt.Fprintf(&b, "#   nettutor sandbox %s.sh\n", l.ID)
	b.WriteString("# or in fresh namespaces of your own (--mount-proc: ps, and newuidmap for\n")
	b.WriteString("# unshare --map-users, read /proc, which must be the new PID namespace's):\n")
	fmt.Fprintf(&b, "#   sudo unshare --net --mount --uts --ipc --pid --fork --mount-proc sh -c 'mount -t tmpfs none /run && bash %s.sh'\n", l.ID)
	if usesUserNS(l) {
		b.WriteString(subIDHeader)
	}
	b.WriteString("set -e\n")
	for i, s := range l.Steps {
		fmt.Fprintf(&b, "\n# --- step %d: %s\n", i+1, oneLine(s.Title.Get("en")))
		guard := kernelGuard(&b, s)
		pyGuard := python3Guard(&b, s)
		cni := cniScriptGuard(s.Needs)
		if cni != "" {
			fmt.Fprintf(&b, "if %s; then\n", cni)
		}
		for _, a := range s.Actions {
			writeScriptAction(&b, a)
		}
		if cni != "" {
			b.WriteString("fi\n")
		}
		pyGuard()
		guard()
	}
	return b.String()
}

// subIDHeader is what a stock root shell needs before the lesson's remapped
// user namespaces: nettutor's sandbox gives its lab an /etc/subuid, a
// machine's root usually has none, and newuidmap checks it even for root.
const subIDHeader = `#
# The userns commands map root onto 165536-231071 with unshare --map-users, which
# goes through newuidmap; newuidmap checks /etc/subuid and /etc/subgid even for
# root, and a stock root shell has no line there, so it fails with
#   newuidmap: uid range [0-65536) -> [165536-231072) not allowed
# Give root the range first, as Docker's userns-remap gives it to dockremap
# (dockerd runs usermod --add-subuids/--add-subgids for "userns-remap": "default"):
#   sudo usermod --add-subuids 165536-231071 --add-subgids 165536-231071 root
#   grep '^root:' /etc/subuid /etc/subgid     # root:165536:65536 in both
# util-linux 2.38 reads --map-users=OUTER,INNER,COUNT (165536,0,65536), as below;
# 2.39 and later also take the uid_map order INNER:OUTER:COUNT (0:165536:65536)
# and keep the comma form for compatibility (unshare --version says which).
`

// usesUserNS reports whether any step of l makes a remapped user namespace.
func usesUserNS(l *Lesson) bool {
	for _, s := range l.Steps {
		for _, a := range s.Actions {
			if a.Kind == "userns" {
				return true
			}
		}
	}
	return false
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return s
}

func writeScriptAction(b *strings.Builder, a *Action) {
	cmd := a.Command()
	switch a.Kind {
	case "ping":
		cmd = strings.Replace(cmd, "ping -c ", "ping -W 1 -c ", 1)
		if a.ExpectFailure() {
			fmt.Fprintf(b, "%s || true  # no answer expected\n", cmd)
		} else {
			fmt.Fprintf(b, "%s || true  # probe\n", cmd)
		}
	case "tcp_connect":
		fmt.Fprintf(b, "%s </dev/null || true  # probe\n", cmd)
	case "show":
		fmt.Fprintf(b, "%s || true\n", cmd)
	case "tcp_serve":
		fmt.Fprintf(b, "%s </dev/null >/dev/null 2>&1 &\n", strings.TrimSuffix(cmd, " &"))
	case "run", "userns":
		if execsShell(cmd) {
			// The command ends its shell with exec (the lab runs each in a
			// shell of its own): in a subshell here, or it would end the script.
			cmd = "(\n" + cmd + "\n)"
		} else if strings.Contains(cmd, "\n") {
			// A command of several lines takes /dev/null as a group: on
			// its last line the redirection would land after a
			// here-document's closing word, which then closes nothing.
			cmd = "{\n" + cmd + "\n}"
		}
		fmt.Fprintf(b, "%s </dev/null\n", cmd)
	default:
		fmt.Fprintln(b, cmd)
	}
}

// execsShell says whether a shown command has a line that replaces its
// shell with exec.
func execsShell(cmd string) bool {
	for _, line := range strings.Split(cmd, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "exec ") {
			return true
		}
	}
	return false
}
