package serve

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"github.com/nettutor/nettutor/serve/link"
	"golang.org/x/sys/unix"
)

// langOf picks a session's language: a command of en or ko, else the
// client's LC_ALL / LC_MESSAGES / LANG (ko_* is Korean), else def.
func langOf(cmd []string, env []string, def string) string {
	if len(cmd) == 1 && (cmd[0] == "en" || cmd[0] == "ko") {
		return cmd[0]
	}
	get := func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := get(k)
		if v == "" {
			continue
		}
		switch {
		case strings.HasPrefix(v, "ko"):
			return "ko"
		case strings.HasPrefix(v, "en"), v == "C", strings.HasPrefix(v, "C."), v == "POSIX":
			return "en"
		}
		break
	}
	return def
}

// runMember is a member's session: a child TUI with a lab of its own.
func (s *Server) runMember(sess ssh.Session, who Member, gate *inputGate) {
	pty, _, _ := sess.Pty()
	if pty.Slave == nil {
		wish.Fatalln(sess, "nettutor serve: no terminal for this session (connect with ssh -t)")
		return
	}
	var input func() time.Time
	if ac, ok := sess.Context().Value(keyActivity).(*activity); ok {
		input = ac.lastInput
	}
	lang := langOf(sess.Command(), sess.Environ(), s.cfg.Lang)
	reason := s.runChild(childSpec{
		who: who, tty: pty.Slave, term: pty.Term, lang: lang, env: sess.Environ(),
		done: sess.Context().Done(), input: input, timeouts: true,
		window: fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height),
		width:  pty.Window.Width, height: pty.Window.Height,
		remote: sess.RemoteAddr().String(), gate: gate,
		direct: sess,
	})
	s.sayTimeout(sess, reason)
	_ = sess.Exit(exitCode(reason))
}

// exitCode is the session's exit status for the client: the TUI's own, or
// 1 when the server ended the session.
func exitCode(reason string) int {
	switch {
	case reason == "exit" || reason == "quit" || reason == "disconnect":
		return 0
	case strings.HasPrefix(reason, "exit "):
		if n, err := strconv.Atoi(strings.TrimPrefix(reason, "exit ")); err == nil {
			return n
		}
	}
	return 1
}

// sayTimeout tells the client, in one line, why the server ended it.
func (s *Server) sayTimeout(sess ssh.Session, reason string) {
	switch reason {
	case "idle-timeout":
		wish.Printf(sess, "\r\nnettutor serve: no key for %s; session ended, your progress is kept\r\n", s.cfg.IdleTimeout)
	case "session-timeout":
		wish.Printf(sess, "\r\nnettutor serve: the session's %s are up; your progress is kept\r\n", s.cfg.SessionTimeout)
	case "server stop":
		wish.Printf(sess, "\r\nnettutor serve: the server is stopping; your progress is kept\r\n")
	}
}

// childSpec is one child TUI to run.
type childSpec struct {
	who       Member
	tty       *os.File
	term      string
	lang      string
	env       []string // the client's environment (COLORTERM, NO_COLOR)
	done      <-chan struct{}
	input     func() time.Time
	timeouts  bool // idle and session timeouts apply
	presenter bool // the presenter's own lesson view
	window    string
	width     int // the terminal's size at the start (Config.FirstFrame)
	height    int
	remote    string
	// gate holds the member's input until the TUI is up (nil: none).
	gate *inputGate
	// direct writes straight to the client (nil: to tty): the first
	// frame, and what undoes its modes when the TUI never took the
	// terminal over. Through the PTY, a frame written just before a TUI
	// that ends at once may not be relayed before the session closes,
	// while the undo would be: the terminal left in the frame's modes.
	direct io.Writer
}

// out is where the server writes to the member's terminal itself.
func (sp childSpec) out() io.Writer {
	if sp.direct != nil {
		return sp.direct
	}
	return sp.tty
}

// childEnv is the whole environment of a child: nothing of the server's
// but PATH and the lab limits, so that a member's lab sees nothing of it.
func (s *Server) childEnv(sp childSpec, dir string) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	term := sp.term
	if term == "" {
		term = "xterm"
	}
	env := []string{
		"PATH=" + path,
		"HOME=" + dir,
		"XDG_STATE_HOME=" + dir,
		"TERM=" + term,
		// The language of the text is --lang; the locale stays C.UTF-8 so
		// that a Korean LANG does not make box-drawing characters wide.
		"LANG=C.UTF-8",
		link.EnvFD + "=3",
		// The sandbox carries its report pipe into the lab's child,
		// close-on-exec: the status link rides on it.
		"NETTUTOR_REPORT_FD=3",
		// Members share one account: a troubleshooting exercise's fault
		// is picked from this instead (lessons.LearnerName), so neighbours differ.
		"NETTUTOR_LEARNER=" + sp.who.Fingerprint,
		// The member's spare lab is rebuilt only while the CPU is free:
		// thirty members' replays otherwise compete with their steps.
		link.EnvSpareWhenIdle + "=1",
		// One P for a member's processes (its TUI, its lab's keepers):
		// thirty members share two cores, so a member gains nothing from
		// running its own goroutines side by side, and with two Ps the
		// runtime spun an idle P up at every hand-off (a netlink dump in a
		// namespace's thread, a message to the UI): about a tenth of a
		// TUI's CPU while stepping (issue 25, tui BenchmarkServeStep with
		// GOMAXPROCS=1 and 2).
		"GOMAXPROCS=1",
	}
	for _, kv := range sp.env {
		if strings.HasPrefix(kv, "COLORTERM=") || strings.HasPrefix(kv, "NO_COLOR=") {
			env = append(env, kv)
		}
	}
	// The Go runtime's knobs of the server reach its sessions: sizing a
	// study group's machine (GOGC, GOMEMLIMIT) is done where it starts.
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if s.cfg.MemberMemory > 0 {
		env = append(env, fmt.Sprintf("%s=%d", EnvMemory, s.cfg.MemberMemory))
	}
	return append(env, s.cfg.ChildEnv...)
}

// runChild runs one child TUI on sp.tty until it exits, the session ends,
// a timeout fires or the server stops, and returns why it ended. The child
// is gone (and its lab with it) when runChild returns.
func (s *Server) runChild(sp childSpec) string {
	// Close waits for every runChild: the child gone and its end logged.
	s.wg.Add(1)
	defer s.wg.Done()
	fp := fileName(sp.who.Fingerprint)
	dir := filepath.Join(s.cfg.StateDir, "serve", fp)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.log.Error("session", "member", sp.who.Name, "err", fmt.Errorf("state folder: %w", err))
		fmt.Fprintf(sp.tty, "nettutor serve: cannot make the state folder: %v\r\n", err)
		return "error"
	}
	progress := filepath.Join(s.cfg.StateDir, "serve", fp+".json")
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		s.log.Error("session", "member", sp.who.Name, "err", fmt.Errorf("status link: %w", err))
		return "error"
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "serve-link"), os.NewFile(uintptr(fds[1]), "serve-link-child")
	defer ours.Close()

	cmd := exec.Command(s.cfg.Exe, "tui", "--lang", sp.lang, "--progress", progress)
	cmd.Dir = dir
	cmd.Env = s.childEnv(sp, dir)
	gate := sp.gate
	if gate == nil {
		gate = newInputGate()
	}
	// Whatever happens below, the member's input is not held past the
	// TUI's life.
	defer gate.open()
	var queued, drew time.Duration
	var slot *startSlot
	var tookOver atomic.Bool // the TUI said it is up: the terminal is its own
	if !sp.presenter {
		// A member's first frame, drawn here while their TUI waits for a
		// start slot and starts; their keys wait for the TUI.
		var undo []byte
		cmd.Env, drew, undo = s.drawFirstFrame(sp, sp.tty, progress, cmd.Env)
		if drew == 0 {
			gate.open() // the TUI draws its own frame: nothing to hold for
		}
		if len(undo) > 0 {
			// A member who leaves while waiting, or a TUI that ends
			// before it is up, must not leave the terminal in the
			// frame's modes (alternate screen, mouse reports).
			defer func() {
				if tookOver.Load() {
					return
				}
				_, _ = sp.out().Write(undo)
			}()
		}
		t0 := time.Now()
		var err error
		slot, err = s.admit.acquire(sp.who.Fingerprint, sp.done)
		queued = time.Since(t0)
		if err != nil {
			theirs.Close()
			return "server stop"
		}
		if slot == nil {
			theirs.Close()
			return "disconnect"
		}
		defer slot.ended()
	} else {
		gate.open()
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = sp.tty, sp.tty, sp.tty
	cmd.ExtraFiles = []*os.File{theirs}
	// A session of its own with the PTY as its terminal (so the lab shell
	// has job control), and SIGKILL when the server goes, even by SIGKILL:
	// the sandbox below it has the same link to it, and its child is PID 1
	// of the lab's namespaces, so the whole lab goes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, Pdeathsig: syscall.SIGKILL}

	rec := &member{who: sp.who, started: time.Now(), input: sp.input, presenter: sp.presenter}
	// The TUI is up when it first reports on the link: its screen has the
	// terminal in raw mode by then. Its start slot goes to the next
	// member, and the member's keys go to it.
	up := make(chan struct{})
	var upOnce sync.Once
	var upAt atomic.Int64 // when the TUI came up (UnixNano), for the idle clock
	free := func() {
		upOnce.Do(func() {
			upAt.Store(time.Now().UnixNano())
			close(up)
			gate.open()
			if slot != nil {
				slot.started()
			}
		})
	}
	var once sync.Once
	upNow := func() {
		// Up (or slow to come up): its lab shares the CPU as any other.
		once.Do(func() { s.setNice(cmd, sp.who.Name, 0) })
		free()
	}
	rec.up = func() {
		tookOver.Store(true)
		upNow()
	}
	if drew == 0 {
		// Nothing held the member back: idle counts from the start.
		upAt.Store(time.Now().UnixNano())
	}
	w := link.NewWriter(ours)
	rec.send = w.Send
	stopCh := make(chan string, 1)
	rec.stop = func(r string) {
		select {
		case stopCh <- r:
		default:
		}
	}

	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that started the child ends, not
		// the process: this goroutine keeps its thread for the child's life.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err != nil {
			return
		}
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		theirs.Close()
		s.log.Error("session", "member", sp.who.Name, "err", fmt.Errorf("start the TUI: %w", err))
		fmt.Fprintf(sp.tty, "nettutor serve: cannot start the TUI: %v\r\n", err)
		return "error"
	}
	theirs.Close()
	if !tookOver.Load() {
		s.setNice(cmd, sp.who.Name, s.cfg.MemberNice)
	}
	s.hub.add(rec)
	defer s.hub.remove(rec)
	kind := "member"
	if sp.presenter {
		kind = "presenter-view"
	}
	s.log.Info("session start", "member", sp.who.Name, "kind", kind, "fingerprint", sp.who.Fingerprint,
		"lang", sp.lang, "term", sp.term, "window", sp.window, "remote-addr", sp.remote, "pid", cmd.Process.Pid,
		"frame", drew.Round(100*time.Microsecond), "queued", queued.Round(time.Millisecond))
	go s.readLink(rec, ours)
	startTimer := time.AfterFunc(s.cfg.StartTimeout, func() {
		select {
		case <-up:
		default:
			s.log.Warn("session slow to start", "member", sp.who.Name, "after", s.cfg.StartTimeout)
			upNow()
		}
	})
	defer startTimer.Stop()
	defer free() // the child is gone (or going): its slot and the input are free
	defer s.nicer.forget(cmd.Process.Pid)

	var idle <-chan time.Time
	if sp.timeouts && s.cfg.IdleTimeout > 0 && sp.input != nil {
		t := time.NewTicker(min(time.Second, s.cfg.IdleTimeout/2+1))
		defer t.Stop()
		idle = t.C
	}
	var total <-chan time.Time
	if sp.timeouts && s.cfg.SessionTimeout > 0 {
		t := time.NewTimer(s.cfg.SessionTimeout)
		defer t.Stop()
		total = t.C
	}
	reason := ""
	running := true
wait:
	for {
		select {
		case err := <-exited:
			running = false
			reason = "exit"
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() != 0 {
				reason = fmt.Sprintf("exit %d", ee.ExitCode())
			}
			break wait
		case <-sp.done:
			reason = "disconnect"
			break wait
		case r := <-stopCh:
			reason = r
			break wait
		case <-total:
			reason = "session-timeout"
			break wait
		case now := <-idle:
			// A member has nothing to do until their TUI is up (their
			// keys wait for it): the idle clock starts then.
			if at := upAt.Load(); at == 0 || now.Sub(time.Unix(0, at)) < s.cfg.IdleTimeout {
				continue
			}
			if now.Sub(rec.lastActive()) >= s.cfg.IdleTimeout {
				reason = "idle-timeout"
				break wait
			}
		}
	}
	if running {
		stopChild(cmd, exited)
	}
	s.log.Info("session end", "member", sp.who.Name, "kind", kind, "duration", time.Since(rec.started).Round(time.Millisecond), "reason", reason)
	return reason
}

// stopChild asks the child to end (the sandbox passes SIGTERM on, and the
// TUI gives the terminal back), then kills its whole process group.
func stopChild(cmd *exec.Cmd, exited <-chan error) {
	pid := cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-exited:
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return
	case <-time.After(2 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
	}
}

// readLink takes the child's reports until the link closes.
func (s *Server) readLink(rec *member, r io.Reader) {
	lr := link.NewReader(r)
	lastSeq := 0
	for {
		msg, err := lr.Next()
		var de *link.DecodeError
		if errors.As(err, &de) {
			s.log.Debug("status link", "member", rec.who.Name, "err", err)
			continue
		}
		if err != nil {
			// The child is gone (EOF) or broke the link: its session
			// goes on without reports.
			return
		}
		if rec.up != nil {
			rec.up()
		}
		if msg.Type != link.TypeStatus {
			continue
		}
		msg = cleanStatus(msg)
		rec.setStatus(msg)
		if rec.presenter {
			s.hub.setPresenterPlace(msg)
		}
		if c := msg.Check; c != nil && c.Seq > lastSeq {
			lastSeq = c.Seq
			result := "pass"
			if !c.Pass {
				result = "fail"
			}
			s.log.Info("check", "member", rec.who.Name, "exercise", c.Exercise, "result", result, "failed", c.Failed)
		}
	}
}
