package confine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The lab's command runner: one helper, kept for the lab's life, that
// starts every command the engine itself shows and runs (a lesson's `run`
// steps, Spec.Shared), the way one lab shell starts what a learner types.
//
// Why: a helper per program is a whole start of this binary (its Go runtime
// and every package initialiser: about 40 ms of CPU on the 2-core machines
// this runs on, measured with perf stat), paid once per command. Measured
// per phase, a lesson's `iptables -S` spent most of its 75-350 ms in that
// start, either waiting for a helper being made or sharing the CPU with the
// next one made in the background. The runner pays it once per lab.
//
// What stays as it was, and why (see helperPrepare and helperSetup): the
// runner is a helper like any other, so the commands it starts run in a
// PID and mount namespace apart from the keeper, the learner's shells and
// answers (they see none of those processes, and the keeper's /proc is not
// beneath theirs), with a fresh /proc and the sysfs of their network
// namespace, no_new_privs, the reduced capability bounding set and the
// seccomp filter; the runner is non-dumpable, so no command can trace it or
// read its descriptors and forge a status; rlimits apply to each command
// alone, through prlimit(1) as before, never to the runner's Go runtime.
//
// What the lab's shown commands now share is what a lab shell's commands
// share: one PID and mount namespace among themselves. Each starts in a
// process group of its own, which a time limit kills; what a command leaves
// in the background lives on until the lab is reset, as with Persist.

// runnerMsg is what the engine sends the runner: a program to start (with
// its three standard streams beside it), or the order to kill the one
// running.
type runnerMsg struct {
	Spec *Spec `json:"spec,omitempty"`
	Kill bool  `json:"kill,omitempty"`
}

// runner is the engine's side of a lab's runner.
type runner struct {
	c   *os.File // SOCK_SEQPACKET, blocking; one program at a time
	net string   // the namespace it runs programs in
}

// sharedOK says whether spec may go to the runner: a plain program in the
// runner's namespace whose background processes outlive it (Persist), with
// no terminal and no namespaces or hostname of its own to set up first.
func sharedOK(spec *Spec) bool {
	return spec.Shared && spec.Persist && !spec.TTY && !spec.Runner && len(spec.Unshare) == 0 &&
		!spec.MountProc && spec.Hostname == "" && spec.UserNS == nil && spec.Net != "" && spec.Dir == ""
}

// errRunnerGone says the runner ended before it took the program (a reset
// killed it): a new one may take it.
var errRunnerGone = errors.New("the lab's runner is gone")

// runShared runs spec through the lab's runner, starting one when there
// is none. ok is false when the runner is busy (a program of another
// goroutine) or cannot be had: the caller then spawns a helper of its own.
func (k *Keeper) runShared(ctx context.Context, spec *Spec, fds [3]int) (st status, ok bool, err error) {
	if !k.runMu.TryLock() {
		if !k.warming.Load() {
			return status{}, false, nil
		}
		// The runner is being started ahead (WarmRunner): waiting for it
		// is sooner than a helper of this program's own.
		k.runMu.Lock()
	}
	defer k.runMu.Unlock()
	for try := 0; try < 2; try++ {
		if k.run == nil || k.run.net != spec.Net {
			k.closeRunner()
			r, err := k.startRunner(spec.Net)
			if err != nil {
				return status{}, false, nil
			}
			k.run = r
		}
		st, err = k.run.exchange(ctx, spec, fds)
		if errors.Is(err, errRunnerGone) {
			k.closeRunner()
			continue
		}
		if err != nil {
			k.closeRunner()
		}
		return st, true, err
	}
	return status{}, false, nil
}

// WarmRunner starts the lab's runner for namespace net now, in the
// background, unless one runs there already: a lab that was just made or
// reset has none, and the first shown command would otherwise pay for its
// start (a helper: a whole start of this binary, 40 ms of CPU and 70-120
// ms on a loaded machine) on the learner's path. The lab's own build (the
// replay's netlink actions, the learner's reading) hides it. A command
// that comes while it starts waits for it (runShared). Right after a
// reset the runner is the helper the keeper had started ahead, which the
// reset spared (helperkeep.go): its start is then a few ms, not a whole
// start of the binary.
func (k *Keeper) WarmRunner(net string) {
	k.warming.Store(true)
	go func() {
		defer k.warming.Store(false)
		k.runMu.Lock()
		defer k.runMu.Unlock()
		if k.run != nil && k.run.net == net {
			return
		}
		k.closeRunner()
		if r, err := k.startRunner(net); err == nil {
			k.run = r
		}
		// A runner that cannot start now is tried again, as before, by
		// the first command.
	}()
}

// closeRunner lets go of the runner; the caller holds runMu. The runner
// kills the program it runs, if any, and ends once its background
// processes have (or a reset ends them).
func (k *Keeper) closeRunner() {
	if k.run != nil {
		k.run.c.Close()
		k.run = nil
	}
}

// startRunner asks the keeper for a helper to become the lab's runner in
// namespace net, and waits until it is there.
func (k *Keeper) startRunner(net string) (*runner, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer null.Close()
	c, err := k.dial()
	if err != nil {
		return nil, err
	}
	boot := Spec{Net: net, Argv: []string{"runner"}, Runner: true, Limits: Current}
	n := int(null.Fd())
	if err := sendMsg(c, request{Op: "spawn", Spawn: &boot}, n, n, n); err != nil {
		c.Close()
		return nil, err
	}
	f, err := c.File() // a blocking descriptor of its own, for recvMsgFd
	c.Close()
	if err != nil {
		return nil, err
	}
	var st status
	if _, err := recvMsgFd(int(f.Fd()), &st); err != nil || st.Err != "" {
		f.Close()
		if err == nil {
			err = errors.New(st.Err)
		}
		return nil, fmt.Errorf("start the lab's runner: %w", err)
	}
	return &runner{c: f, net: net}, nil
}

// exchange sends one program and waits for its status. When ctx ends
// first, the runner is told to kill the program's process group.
func (r *runner) exchange(ctx context.Context, spec *Spec, fds [3]int) (status, error) {
	fd := int(r.c.Fd())
	if err := sendMsgFd(fd, runnerMsg{Spec: spec}, fds[:]...); err != nil {
		return status{}, errRunnerGone
	}
	got := make(chan status, 1)
	go func() {
		var st status
		if _, err := recvMsgFd(fd, &st); err != nil {
			st = status{Exit: 137, Signal: 9} // the lab ended under it
			st.Err = "\x00gone"
		}
		got <- st
	}()
	var st status
	select {
	case st = <-got:
	case <-ctx.Done():
		_ = sendMsgFd(fd, runnerMsg{Kill: true})
		st = <-got
	}
	if st.Err == "\x00gone" {
		return status{Exit: 137, Signal: 9}, errors.New("the lab ended under the program")
	}
	return st, nil
}

// sendMsgFd is sendMsg on a blocking socket fd.
func sendMsgFd(fd int, v any, fds ...int) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	for {
		err = unix.Sendmsg(fd, b, oob, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return err
		}
	}
}

// runnerMain is a helper become the lab's runner: prepared (helperPrepare)
// and set up in its namespace (helperSetup) like any helper, it starts each
// program the engine sends on c, on this locked thread (the one in the
// program's network namespace), and reports each one's status when it
// ends. It reaps everything in its PID namespace, as its init. When the
// engine lets go of c, it kills the program it runs, if any, and ends
// once nothing else is left (or a reset ends it).
func runnerMain(c *os.File) {
	fd := int(c.Fd())
	report := func(st status) { _ = sendMsgFd(fd, st) }
	report(status{}) // ready

	var mu sync.Mutex
	cur := 0      // the program being run, 0 when none
	done := false // the engine let go
	chld := make(chan os.Signal, 16)
	signal.Notify(chld, syscall.SIGCHLD)
	// The reaper: every process of the namespace ends here.
	go func() {
		for range chld {
			mu.Lock()
			for {
				var ws unix.WaitStatus
				pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
				if err == unix.EINTR {
					continue
				}
				if err != nil { // nothing left at all
					if done {
						os.Exit(0)
					}
					break
				}
				if pid <= 0 {
					break
				}
				if pid == cur {
					cur = 0
					if ws.Signaled() {
						report(status{Exit: 128 + int(ws.Signal()), Signal: int(ws.Signal())})
					} else {
						report(status{Exit: ws.ExitStatus()})
					}
				}
			}
			mu.Unlock()
		}
	}()
	for {
		var m runnerMsg
		files, err := recvMsgFd(fd, &m)
		if err != nil {
			mu.Lock()
			done = true
			if cur > 0 {
				// The engine went away before the program ended (a
				// time limit): it goes, with its process group.
				_ = unix.Kill(-cur, unix.SIGKILL)
			}
			mu.Unlock()
			chld <- syscall.SIGCHLD // the reaper looks again, now that done is set
			select {}
		}
		if m.Kill {
			mu.Lock()
			if cur > 0 {
				_ = unix.Kill(-cur, unix.SIGKILL)
			}
			mu.Unlock()
			closeAll(files)
			continue
		}
		if m.Spec == nil || len(m.Spec.Argv) == 0 || len(files) != 3 {
			closeAll(files)
			report(status{Exit: 127, Err: "bad spawn request"})
			continue
		}
		m.Spec.Argv = directArgv(m.Spec.Argv, labEnv(restoreTerm(m.Spec.Env)))
		// Under mu: the reaper cannot take the program's end before it is
		// known as the program.
		mu.Lock()
		pid, err := startProgram(m.Spec, files, true)
		closeAll(files)
		if err != nil {
			report(status{Exit: 127, Err: err.Error()})
		} else {
			cur = pid
		}
		mu.Unlock()
	}
}

// shBuiltins are the words dash runs itself (or reads as syntax): a
// command naming one goes through sh, whose own echo, kill or test may
// differ from the program of that name.
var shBuiltins = map[string]bool{
	"alias": true, "bg": true, "break": true, "cd": true, "command": true, "continue": true,
	"echo": true, "eval": true, "exec": true, "exit": true, "export": true, "false": true,
	"fg": true, "getopts": true, "hash": true, "jobs": true, "kill": true, "local": true,
	"printf": true, "pwd": true, "read": true, "readonly": true, "return": true, "set": true,
	"shift": true, "test": true, "times": true, "trap": true, "true": true, "type": true,
	"ulimit": true, "umask": true, "unalias": true, "unset": true, "wait": true,
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "for": true, "while": true,
	"until": true, "do": true, "done": true, "case": true, "esac": true, "in": true,
}

// directArgv returns argv, or for `sh -c LINE` where LINE is one plain
// command (words only, nothing a shell reads specially, no builtin, no
// assignment before the command) that the lab's PATH finds, LINE's words: sh would only split
// them and exec the first (dash execs a -c line's last command itself), so
// the program sees the same argv, environment and streams, one exec
// sooner. Anything else, a command not found included (sh says so in its
// own words), still goes through sh.
func directArgv(argv []string, env []string) []string {
	if len(argv) != 3 || argv[0] != "sh" || argv[1] != "-c" {
		return argv
	}
	line := argv[2]
	if line == "" || strings.ContainsAny(line, "\n\t'\"\\$`;&|<>()*?[]#~{}!") {
		return argv
	}
	words := strings.Fields(line)
	if len(words) == 0 || shBuiltins[words[0]] || strings.ContainsAny(words[0], "/=") {
		return argv
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, d := range strings.Split(path, ":") {
		if d == "" {
			continue
		}
		if st, err := os.Stat(d + "/" + words[0]); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return words
		}
	}
	return argv
}
