package serve

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/nettutor/nettutor/engine/testkit"
)

// newKey makes an ed25519 key pair: the signer and its authorized_keys line.
func newKey(t testing.TB, name string) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + name + "\n"
	return s, line
}

// syncBuf is a log the server writes while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	srv  *Server
	addr string
	log  *syncBuf
	dir  string
}

// startServer runs a Server on 127.0.0.1:0 with the given key lines.
func startServer(t testing.TB, members, presenters string, mod func(*Config)) *fixture {
	t.Helper()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lg := &syncBuf{}
	cfg := Config{AuthorizedKeys: write("members", members), PresenterKeys: write("presenters", presenters),
		StateDir: filepath.Join(dir, "state"), Log: lg, Exe: "/nonexistent/nettutor"}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &fixture{srv: srv, addr: ln.Addr().String(), log: lg, dir: dir}
}

func dial(addr string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "member", Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
}

// TestLoadKeys: comments are names, a presenter's key wins over a member's,
// a broken line names its file and line.
func TestLoadKeys(t *testing.T) {
	a, la := newKey(t, "alice")
	p, lp := newKey(t, "pat")
	_, lx := newKey(t, "")
	dir := t.TempDir()
	mf, pf := filepath.Join(dir, "m"), filepath.Join(dir, "p")
	os.WriteFile(mf, []byte("# members\n"+la+lp+lx+"\n"), 0o600)
	os.WriteFile(pf, []byte(lp), 0o600)
	k, err := LoadKeys(mf, pf)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := k.Lookup(a.PublicKey()); !ok || m.Name != "alice" || m.Role != RoleMember {
		t.Errorf("alice: %+v %v", m, ok)
	}
	if m, ok := k.Lookup(p.PublicKey()); !ok || m.Name != "pat" || m.Role != RolePresenter {
		t.Errorf("pat: %+v %v", m, ok)
	}
	if k.Len() != 3 {
		t.Errorf("%d keys, want 3", k.Len())
	}
	u, _ := newKey(t, "stranger")
	if _, ok := k.Lookup(u.PublicKey()); ok {
		t.Error("an unknown key was found")
	}
	os.WriteFile(mf, []byte(la+"ssh-ed25519 AAAAnot-base64 bob\n"), 0o600)
	if _, err := LoadKeys(mf, ""); err == nil || !strings.Contains(err.Error(), mf+":2:") {
		t.Errorf("a broken line: %v, want an error naming %s:2", err, mf)
	}
	os.WriteFile(mf, []byte("# nobody yet\n"), 0o600)
	if _, err := LoadKeys(mf, ""); err == nil {
		t.Error("no keys at all: no error")
	}
	if got := fileName("SHA256:ab/c+d"); got != "ab_c-d" {
		t.Errorf("fileName: %q", got)
	}
}

// TestAuth: a known key gets in; an unknown key and a password are
// refused, with one log line for the unknown key, and the server goes on.
func TestAuth(t *testing.T) {
	pat, lp := newKey(t, "pat")
	_, la := newKey(t, "alice")
	f := startServer(t, la, lp, nil)

	stranger, _ := newKey(t, "eve")
	if c, err := dial(f.addr, gossh.PublicKeys(stranger)); err == nil {
		c.Close()
		t.Fatal("an unknown key got in")
	}
	if c, err := dial(f.addr, gossh.Password("alice"), gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		return []string{"alice"}, nil
	})); err == nil {
		c.Close()
		t.Fatal("a password got in")
	} else if !strings.Contains(err.Error(), "no supported methods remain") && !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("password: %v", err)
	}
	if n := strings.Count(f.log.String(), "refused unknown key"); n != 1 {
		t.Errorf("%d log lines for the unknown key, want 1:\n%s", n, f.log.String())
	}
	if !strings.Contains(f.log.String(), gossh.FingerprintSHA256(stranger.PublicKey())) {
		t.Errorf("the log does not name the unknown key's fingerprint:\n%s", f.log.String())
	}
	// The server goes on: the presenter's key gets the dashboard.
	c, err := dial(f.addr, gossh.PublicKeys(pat))
	if err != nil {
		t.Fatalf("a known key after refusals: %v", err)
	}
	defer c.Close()
	out := runPty(t, c, "", "nettutor serve — members: 0")
	if !strings.Contains(out, "members: 0") {
		t.Fatalf("the dashboard did not show:\n%s", out)
	}
}

// runPty opens a session with a PTY (and cmd, if any) and reads until want
// shows; it returns what came.
func runPty(t testing.TB, c *gossh.Client, cmd, want string) string {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	// Refusals go to stderr, as wish.Fatal writes them: read both.
	out, w := io.Pipe()
	s.Stdout, s.Stderr = w, w
	if cmd == "" {
		err = s.Shell()
	} else {
		err = s.Start(cmd)
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Wait(); w.Close() }()
	return readUntil(t, out, want, 20*time.Second)
}

// terminal answers what a terminal answers: the cursor position and the
// background colour, which the TUI asks for at start (termenv waits 5 s
// for each answer a client never sends).
type terminal struct {
	r    io.Reader
	w    io.Writer
	tail []byte
}

func (t *terminal) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && t.w != nil {
		buf := append(t.tail, p[:n]...)
		for _, q := range []struct{ ask, answer string }{
			{"\x1b]11;?", "\x1b]11;rgb:0000/0000/0000\x1b\\"},
			{"\x1b[6n", "\x1b[1;1R"},
		} {
			// A query wholly inside the kept tail was answered already.
			for i := 0; i < bytes.Count(buf, []byte(q.ask))-bytes.Count(t.tail, []byte(q.ask)); i++ {
				_, _ = io.WriteString(t.w, q.answer)
			}
		}
		// Keep a query's first bytes that may end this read.
		keep := max(0, len(p[:n])-8)
		t.tail = append([]byte(nil), p[keep:n]...)
	}
	return n, err
}

// readUntil reads r until want appears or the time is up.
func readUntil(t testing.TB, r io.Reader, want string, d time.Duration) string {
	t.Helper()
	got := make(chan string, 1)
	var mu sync.Mutex
	var b bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			mu.Lock()
			b.Write(buf[:n])
			s := b.String()
			mu.Unlock()
			if strings.Contains(s, want) || err != nil {
				got <- s
				return
			}
		}
	}()
	select {
	case s := <-got:
		return s
	case <-time.After(d):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %q within %s; got:\n%s", want, d, b.String())
		return ""
	}
}

// TestRefusals: no PTY, a command, and a full server each get one line and
// a non-zero exit; the server goes on.
func TestRefusals(t *testing.T) {
	pat, lp := newKey(t, "pat")
	_, la := newKey(t, "alice")
	// Sessions one after the other: a closed one's place comes back a
	// moment after the client's close, so the bound per key is no part
	// of this test.
	f := startServer(t, la, lp, func(c *Config) { c.MaxSessions = 1; c.MaxSessionsPerKey = 10 })
	c, err := dial(f.addr, gossh.PublicKeys(pat))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Without a PTY.
	s, _ := c.NewSession()
	out, err := s.CombinedOutput("")
	var ee *gossh.ExitError
	if !errorsAs(err, &ee) || ee.ExitStatus() == 0 || strings.TrimSpace(string(out)) != "nettutor serve: this is a terminal program; connect with a terminal: ssh -t (not -T)" {
		t.Errorf("no PTY: %v, %q", err, out)
	}
	// A command with a PTY.
	if out := runPty(t, c, "cat /etc/passwd", "no commands here"); strings.Contains(out, "root:") || !strings.Contains(out, "no commands here") {
		t.Errorf("a command ran: %q", out)
	}
	// --max-sessions and a presenter: TestSessionsPerKey.
	// Sftp is a subsystem: refused.
	s, _ = c.NewSession()
	if err := s.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem was accepted")
	}
	s.Close()
	// Agent forwarding: the request may be acknowledged, but the server
	// never opens the agent channel, so the member's agent is out of reach.
	agentChans := c.HandleChannelOpen("auth-agent@openssh.com")
	as, _ := c.NewSession()
	if err := agent.RequestAgentForwarding(as); err != nil {
		t.Logf("agent forwarding request refused: %v", err)
	}
	as.RequestPty("xterm", 24, 80, nil)
	ao, _ := as.StdoutPipe()
	as.Shell()
	readUntil(t, ao, "members: 0", 10*time.Second)
	select {
	case ch := <-agentChans:
		ch.Reject(gossh.Prohibited, "test")
		t.Error("the server opened an agent channel")
	case <-time.After(500 * time.Millisecond):
	}
	as.Close()
	// Port forwarding: refused.
	if conn, err := c.Dial("tcp", f.addr); err == nil {
		conn.Close()
		t.Error("a direct-tcpip channel was opened")
	}
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Error("a remote forward was accepted")
	}
}

func errorsAs(err error, target **gossh.ExitError) bool {
	e, ok := err.(*gossh.ExitError)
	if ok {
		*target = e
	}
	return ok
}

// nettutorBinary is cmd/nettutor for the tests that run the real child
// TUI, built once for every package of the run that runs it
// (engine/testkit.NettutorBinary; NETTUTOR_TEST_BIN names a binary built
// already, for a run as a plain user from a copy of the package).
func nettutorBinary(t testing.TB) string {
	t.Helper()
	p, err := testkit.NettutorBinary()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// descendants lists the pids of every process below this one.
func descendants() []int {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		parent[pid] = pp
	}
	me := os.Getpid()
	var out []int
	for pid := range parent {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == me {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// TestMemberSession is the whole path in one process: a member's key, a
// PTY, the real child TUI's first frame, its place on the status link, a
// disconnect, and no process left behind.
func TestMemberSession(t *testing.T) {
	exe := nettutorBinary(t)
	alice, la := newKey(t, "alice")
	_, lp := newKey(t, "pat")
	f := startServer(t, la, lp, func(c *Config) { c.Exe = exe })
	if d := descendants(); len(d) != 0 {
		t.Fatalf("processes before the session: %v", d)
	}
	c, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, _ := s.StdoutPipe()
	in, _ := s.StdinPipe()
	start := time.Now()
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	term := &terminal{r: out, w: in}
	frame := readUntil(t, term, "RED <-> BLUE", 30*time.Second)
	t.Logf("first frame after %s", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(frame, "\x1b[?1049h") {
		t.Errorf("the TUI did not take the alternate screen: %q", frame)
	}
	if d := descendants(); len(d) == 0 {
		t.Fatal("no child process while the session runs")
	}
	// Open veth (3 in the picker) and run its first step: the dashboard's
	// row follows over the status link.
	// A resize reaches the child through the PTY: the footer moves to the
	// new last row.
	if err := s.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	readUntil(t, term, "\x1b[30;1H", 10*time.Second)
	fmt.Fprint(in, "3")
	var row Row
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if rows := f.srv.hub.Rows(time.Now()); len(rows) == 1 && rows[0].Lesson == "veth" && rows[0].Steps > 0 {
			row = rows[0]
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if row.Lesson != "veth" || row.Name != "alice" || row.Steps == 0 {
		t.Fatalf("row after opening veth: %+v", row)
	}
	go func() { _, _ = io.Copy(io.Discard, term) }()
	fmt.Fprint(in, "n")
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && row.Step != 1 {
		if rows := f.srv.hub.Rows(time.Now()); len(rows) == 1 {
			row = rows[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if row.Step != 1 {
		t.Fatalf("row after a step: %+v", row)
	}
	fmt.Fprint(in, "H")
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !row.Hand {
		if rows := f.srv.hub.Rows(time.Now()); len(rows) == 1 {
			row = rows[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !row.Hand {
		t.Errorf("H did not raise the hand on the dashboard: %+v", row)
	}
	c.Close()
	deadline = time.Now().Add(15 * time.Second)
	var left []int
	for time.Now().Before(deadline) {
		left = descendants()
		if len(left) == 0 && len(f.srv.hub.Rows(time.Now())) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(left) != 0 {
		t.Fatalf("processes left after the disconnect: %v\n%s", left, f.log.String())
	}
	for _, w := range []string{`msg="session start" member=alice kind=member`, `msg="session end" member=alice kind=member`, "reason=disconnect"} {
		if !strings.Contains(f.log.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, f.log.String())
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "state", "serve", fileName(gossh.FingerprintSHA256(alice.PublicKey()))+".json")); err != nil {
		t.Errorf("no progress file for alice's key: %v", err)
	}
}

// memberShell opens a member's session with a PTY that answers the TUI's
// terminal queries, and returns its output reader and its end (Wait's).
func memberShell(t testing.TB, c *gossh.Client) (<-chan error, io.Reader) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, w := io.Pipe()
	s.Stdout, s.Stderr = w, w
	in, _ := s.StdinPipe()
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	end := make(chan error, 1)
	go func() { end <- s.Wait(); w.Close() }()
	return end, &terminal{r: out, w: in}
}

// TestTimeouts: a session without keys ends at the idle timeout, any
// session at the session timeout, each with one line and its lab gone.
func TestTimeouts(t *testing.T) {
	exe := nettutorBinary(t)
	for _, c := range []struct {
		name      string
		presenter bool
		mod       func(*Config)
		line      string
		reason    string
	}{
		{"idle", false, func(c *Config) { c.IdleTimeout = 1500 * time.Millisecond }, "no key for 1.5s; session ended", "reason=idle-timeout"},
		{"session", false, func(c *Config) { c.SessionTimeout = 2 * time.Second }, "the session's 2s are up", "reason=session-timeout"},
		{"presenter idle", true, func(c *Config) { c.IdleTimeout = 1500 * time.Millisecond }, "no key for 1.5s; session ended", "reason=idle-timeout"},
		{"presenter session", true, func(c *Config) { c.SessionTimeout = 2 * time.Second }, "the session's 2s are up", "reason=session-timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			alice, la := newKey(t, "alice")
			members, presenters := la, ""
			if c.presenter {
				members, presenters = "", la
			}
			f := startServer(t, members, presenters, func(cfg *Config) { cfg.Exe = exe; c.mod(cfg) })
			cl, err := dial(f.addr, gossh.PublicKeys(alice))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			start := time.Now()
			sess, out := memberShell(t, cl)
			readUntil(t, out, c.line, 20*time.Second)
			// What the server writes after the line (the terminal's modes
			// put back) is read on: unread, the client's copy into the pipe
			// blocks, and with it the session's Wait (a hang under load,
			// when those bytes came after readUntil had stopped reading).
			go io.Copy(io.Discard, out)
			// The client learns it in its exit status too.
			var ee *gossh.ExitError
			select {
			case err := <-sess:
				if !errorsAs(err, &ee) || ee.ExitStatus() != 1 {
					t.Errorf("exit status after %s: %v, want 1", c.name, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the session did not end 30 s after %q", c.line)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("ended after %s", d)
			}
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) && (len(descendants()) > 0 || !strings.Contains(f.log.String(), c.reason)) {
				time.Sleep(100 * time.Millisecond)
			}
			if d := descendants(); len(d) > 0 {
				t.Errorf("processes left: %v", d)
			}
			if !strings.Contains(f.log.String(), c.reason) {
				t.Errorf("log lacks %s:\n%s", c.reason, f.log.String())
			}
		})
	}
}

// TestServerKilled: SIGKILL of `nettutor serve` takes every session's
// child, sandbox and lab with it (parent-death signals all the way down).
func TestServerKilled(t *testing.T) {
	exe := nettutorBinary(t)
	alice, la := newKey(t, "alice")
	dir := t.TempDir()
	keys := filepath.Join(dir, "members")
	os.WriteFile(keys, []byte(la), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(exe, "serve", "--listen", addr, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"))
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(dir, "state"))
	var log syncBuf
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var cl *gossh.Client
	for i := 0; i < 100; i++ {
		if cl, err = dial(addr, gossh.PublicKeys(alice)); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, log.String())
	}
	defer cl.Close()
	_, out := memberShell(t, cl)
	readUntil(t, out, "RED <-> BLUE", 30*time.Second)
	// The server's tree: child TUI, sandbox, and whatever the lab runs.
	// The picker comes from the server while the TUI starts (its first
	// frame): wait for the sandbox.
	var tree []int
	for wait := time.Now().Add(60 * time.Second); len(tree) < 2 && time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
		tree = tree[:0]
		for _, p := range descendants() {
			if p != cmd.Process.Pid {
				tree = append(tree, p)
			}
		}
	}
	if len(tree) < 2 {
		t.Fatalf("the session's tree is %v, want a child and its sandbox", tree)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	var alive []int
	for time.Now().Before(deadline) {
		alive = alive[:0]
		for _, p := range tree {
			if running(p) {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(alive) > 0 {
		t.Fatalf("after SIGKILL of the server, still running: %v", alive)
	}
}

// running reports whether pid is a live process (a zombie is not: it holds
// nothing but its exit status).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

// TestReloadKeys: a key added to the file gets in after ReloadKeys, without
// a restart; a broken file keeps the old keys.
func TestReloadKeys(t *testing.T) {
	pat, lp := newKey(t, "pat")
	late, ll := newKey(t, "late")
	f := startServer(t, "", lp, nil)
	if c, err := dial(f.addr, gossh.PublicKeys(late)); err == nil {
		c.Close()
		t.Fatal("the latecomer got in before the reload")
	}
	os.WriteFile(filepath.Join(f.dir, "members"), []byte(ll), 0o600)
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	c, err := dial(f.addr, gossh.PublicKeys(late))
	if err != nil {
		t.Fatalf("the latecomer after the reload: %v", err)
	}
	c.Close()
	os.WriteFile(filepath.Join(f.dir, "members"), []byte("ssh-ed25519 garbage late\n"), 0o600)
	if err := f.srv.ReloadKeys(); err == nil {
		t.Fatal("a broken file reloaded")
	}
	for _, k := range []gossh.Signer{late, pat} {
		c, err := dial(f.addr, gossh.PublicKeys(k))
		if err != nil {
			t.Fatalf("after a failed reload, a key of the old set is refused: %v", err)
		}
		c.Close()
	}
	if !strings.Contains(f.log.String(), "keys not reloaded") {
		t.Errorf("the failed reload is not logged:\n%s", f.log.String())
	}
}

// TestClose: stopping the server ends a running session with one line,
// and no process of it is left when Close returns.
func TestClose(t *testing.T) {
	exe := nettutorBinary(t)
	alice, la := newKey(t, "alice")
	pat, lp := newKey(t, "pat")
	f := startServer(t, la, lp, func(c *Config) { c.Exe = exe })
	pc, err := dial(f.addr, gossh.PublicKeys(pat))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	_, pout := memberShell(t, pc)
	readUntil(t, pout, "members: 0", 10*time.Second)
	pgot := make(chan string, 1)
	go func() { pgot <- readUntil(t, pout, "the server is stopping", 20*time.Second) }()
	cl, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, out := memberShell(t, cl)
	readUntil(t, out, "RED <-> BLUE", 30*time.Second)
	got := make(chan string, 1)
	go func() { got <- readUntil(t, out, "the server is stopping", 20*time.Second) }()
	start := time.Now()
	if err := f.srv.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	took := time.Since(start)
	if d := descendants(); len(d) > 0 {
		t.Errorf("processes left when Close returned (after %s): %v", took, d)
	}
	select {
	case <-got:
	case <-time.After(20 * time.Second):
		t.Error("the member was not told the server is stopping")
	}
	select {
	case <-pgot:
	case <-time.After(20 * time.Second):
		t.Error("the presenter was not told the server is stopping")
	}
	for _, kind := range []string{"member", "presenter"} {
		if !strings.Contains(f.log.String(), `kind=`+kind+` duration=`) || strings.Count(f.log.String(), `reason="server stop"`) != 2 {
			t.Errorf("log lacks the %s's end with the reason:\n%s", kind, f.log.String())
		}
	}
}

// TestMain runs grow in a child the tests start, and the tests otherwise.
func TestMain(m *testing.M) {
	if os.Getenv(envGrow) != "" {
		grow()
	}
	os.Exit(m.Run())
}
