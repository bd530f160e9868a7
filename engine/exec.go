package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/nettutor/nettutor/engine/confine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// Cmd returns a command that runs argv confined in lab namespace ns ("host"
// or a name under /run/netns), with the lab's /run/netns visible so `ip
// netns` works in it, as the lab's root (see engine/confine). What it
// leaves running in the background lives on until the lab is reset.
// NETTUTOR_NS tells the program which namespace it is in. The caller starts
// it (for the TUI, through tea.ExecProcess).
func (l *Lab) Cmd(ns string, argv ...string) *exec.Cmd {
	cmd := l.k.Command(confine.Spec{Net: l.LabPath(ns), Argv: argv, Persist: true})
	cmd.Env = append(cmd.Env, "NETTUTOR_NS="+nsOr(ns))
	return cmd
}

// Job returns a command like Cmd whose every process is killed as soon as
// argv exits: an answer script, whose grade must never be taken while part
// of it still runs.
func (l *Lab) Job(ns string, argv ...string) *exec.Cmd {
	cmd := l.k.Command(confine.Spec{Net: l.LabPath(ns), Argv: argv})
	cmd.Env = append(cmd.Env, "NETTUTOR_NS="+nsOr(ns))
	return cmd
}

// Shell returns an interactive bash in namespace ns whose prompt names it,
// with the terminal on its standard input as its controlling terminal.
func (l *Lab) Shell(ns string) *exec.Cmd {
	cmd := l.k.Command(confine.Spec{Net: l.LabPath(ns), Argv: []string{"bash", "--norc", "-i"}, Persist: true, TTY: true})
	cmd.Env = append(cmd.Env, "NETTUTOR_NS="+nsOr(ns), fmt.Sprintf(`PS1=[lab %s] \w# `, nsOr(ns)))
	return cmd
}

// Run runs a command in a namespace, optionally in fresh namespaces of the
// kinds listed in Unshare (uts, ipc, mount, pid, net, cgroup), as the
// isolation lessons do with unshare(1). Output is stdout and stderr.
type Run struct {
	NS       string
	Unshare  []string
	Hostname string // with uts: set this hostname inside first
	Shell    string // a sh -c script
	Timeout  time.Duration
}

var unshareFlags = map[string]bool{"uts": true, "ipc": true, "mount": true, "pid": true, "net": true, "cgroup": true}

// unshareOrder is the order unshare(1) options are shown in.
var unshareOrder = []string{"uts", "ipc", "mount", "net", "pid", "cgroup"}

// Command implements Action.
func (a Run) Command() string {
	script := a.Shell
	if a.Hostname != "" {
		script = "hostname " + a.Hostname + "; " + script
	}
	if len(a.Unshare) == 0 {
		// What a person types: the script itself on the lab host; in a named
		// namespace, `ip netns exec NS` before it, through sh -c only when
		// the shell must read it there (a pipe, a `;`, a redirection...).
		switch {
		case nsOr(a.NS) == HostNS:
			return script
		case simpleCommand(script):
			return inNS(a.NS, script)
		}
		return inNS(a.NS, "sh -c "+shQuote(script))
	}
	var opts []string
	set := map[string]bool{}
	for _, k := range a.Unshare {
		set[k] = true
	}
	for _, k := range unshareOrder {
		if set[k] {
			opts = append(opts, "--"+k)
		}
	}
	if set["pid"] {
		opts = append(opts, "--fork")
		if set["mount"] {
			opts = append(opts, "--mount-proc")
		}
	}
	return inNS(a.NS, "unshare "+strings.Join(opts, " ")+" sh -c "+shQuote(script))
}

// Apply implements Action.
func (a Run) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	set := map[string]bool{}
	for _, k := range a.Unshare {
		if _, ok := unshareFlags[k]; !ok {
			return Result{}, fmt.Errorf("unshare: unknown namespace kind %q (want uts, ipc, mount, pid, net or cgroup)", k)
		}
		set[k] = true
	}
	if a.Hostname != "" && !set["uts"] {
		return Result{}, errors.New("run: hostname needs a new uts namespace")
	}
	// The command the step shows, run as shown: unshare(1) makes the
	// namespaces, mounts /proc and sets the hostname, as for a learner.
	return l.runShown(ctx, a.Command(), a.Timeout, start)
}

// runShown runs a shown command line with sh in the lab host namespace,
// confined, and returns what it printed (stdout and stderr together).
func (l *Lab) runShown(ctx context.Context, command string, timeout time.Duration, start time.Time) (Result, error) {
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out bytes.Buffer
	// Shared: through the lab's runner, which starts the lab's shown
	// commands one after another as one lab shell would (confine's
	// runner.go), not a helper process of each one's own.
	spec := confine.Spec{Net: l.LabPath(HostNS), Argv: []string{"sh", "-c", command}, Persist: true, Shared: true,
		Env: append(os.Environ(), "NETTUTOR_NS="+HostNS)}
	ex, err := l.k.Run(ctx, spec, nil, &out, &out)
	res := Result{Output: strings.TrimRight(out.String(), "\n"), Duration: time.Since(start)}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return res, fmt.Errorf("killed after %s: %w", timeout, err)
	case err != nil:
		return res, fmt.Errorf("command failed: %w", err)
	case ex.Code != 0:
		return res, fmt.Errorf("command failed: %w", &ExitError{Code: ex.Code})
	}
	return res, nil
}

// ExitError says a command the lab ran exited with a status other than 0.
type ExitError struct{ Code int }

// Error implements error, as os/exec words it.
func (e *ExitError) Error() string {
	if e.Code > 128 {
		return fmt.Sprintf("signal %d", e.Code-128)
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// simpleCommand says whether s is one plain command, words without
// anything a shell would read specially, so that `ip netns exec NS s`
// runs all of it in NS.
func simpleCommand(s string) bool {
	return s != "" && !strings.ContainsAny(s, "\n\t'\"\\$`;&|<>()*?[]#~{}!")
}

// shQuote quotes s for sh when it needs it.
func shQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~=%!{}") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// RemapBase is the first uid of Docker's userns-remap range
// (dockremap:165536:65536 in /etc/subuid).
const RemapBase = confine.RemapBase

// RemapSize is the size of that range.
const RemapSize = confine.RemapSize

// UserNS runs a script as uid 0 of a new user namespace. As root the
// namespace maps 0-65535 to 165536-231071, as Docker's userns-remap does; in
// a rootless lab, where only one uid is ours to map, uid 0 maps to the
// user's own uid.
type UserNS struct {
	Shell   string
	Timeout time.Duration
}

// Mapping returns the uid map the action will use: inside, outside, count,
// as seen from the lab.
func (a UserNS) Mapping() (inside, outside, count int) {
	if sandbox.Rootless() {
		return 0, 0, 1
	}
	return 0, RemapBase, RemapSize
}

// Command implements Action.
func (a UserNS) Command() string {
	if sandbox.Rootless() {
		return "unshare --user --map-root-user sh -c " + shQuote(a.Shell)
	}
	m := fmt.Sprintf("%d,0,%d", RemapBase, RemapSize)
	return "unshare --user --map-users=" + m + " --map-groups=" + m + " --setuid 0 --setgid 0 sh -c " + shQuote(a.Shell)
}

// Apply implements Action.
func (a UserNS) Apply(ctx context.Context, l *Lab) (Result, error) {
	return l.runShown(ctx, a.Command(), a.Timeout, time.Now())
}
