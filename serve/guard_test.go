package serve

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// fakeTUI is a stand-in for the child TUI: a shell script that says its
// terminal's size and TERM at start and its size again on every resize,
// and otherwise waits. Tests of what the server bounds use it: the real
// TUI adds seconds and nothing these tests look at.
func fakeTUI(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake-nettutor")
	script := `#!/bin/sh
trap 'echo "size $(stty size)."' WINCH
echo "size $(stty size). term=$TERM"
while :; do sleep 1 & p=$!; wait $p; kill $p 2>/dev/null; done
`
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeSession opens a session with a PTY of rows x cols on c and waits for
// the fake TUI's first line; it returns the session, its output and its
// input.
func fakeSession(t testing.TB, c *gossh.Client, rows, cols int) (*gossh.Session, io.Reader, io.Writer) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", rows, cols, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, w := io.Pipe()
	s.Stdout, s.Stderr = w, w
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Wait(); w.Close() }()
	return s, out, in
}

// dialFrom dials addr from the loopback address src (127.0.0.0/8 is all
// loopback on Linux: a second source address without a network).
func dialFrom(src, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// signIn makes an SSH client over conn.
func signIn(conn net.Conn, addr string, signer gossh.Signer) (*gossh.Client, error) {
	cc, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{User: "member",
		Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	return gossh.NewClient(cc, chans, reqs), nil
}

// holdUnauth opens a TCP connection from src that reads the server's
// version line and then says nothing: a connection that never signs in.
// It reports whether the server took it (sent its SSH version), and what
// it sent otherwise.
func holdUnauth(t *testing.T, src, addr string) (net.Conn, bool, string) {
	t.Helper()
	c, err := dialFrom(src, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	_ = c.SetReadDeadline(time.Time{})
	if strings.HasPrefix(line, "SSH-2.0-") {
		return c, true, line
	}
	return c, false, fmt.Sprintf("%q (%v)", line, err)
}

// TestHandshakeDeadline: a connection that never finishes the handshake
// is closed at the deadline, and so is one that signs in but opens no
// session; no key is needed to hold the first.
func TestHandshakeDeadline(t *testing.T) {
	alice, la := newKey(t, "alice")
	f := startServer(t, la, "", func(c *Config) { c.HandshakeTimeout = time.Second })
	c, ok, got := holdUnauth(t, "127.0.0.1", f.addr)
	if !ok {
		t.Fatalf("the server did not take the connection: %s", got)
	}
	closed := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, c)
		closed <- err
	}()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("a connection that never signed in is still open after 20s (deadline 1s)")
	}
	cl, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	waited := make(chan error, 1)
	go func() { waited <- cl.Wait() }()
	select {
	case <-waited:
	case <-time.After(20 * time.Second):
		t.Fatal("a signed-in connection without a session is still open after 20s (deadline 1s)")
	}
	if !strings.Contains(f.log.String(), `msg=closed reason="not signed in"`) {
		t.Errorf("the log does not say why the connection was closed:\n%s", f.log.String())
	}
}

// TestUnauthCaps: connections that never sign in are refused over the
// bound per source address, and over the bound in all, while a member from
// another address still gets in; a slot given back lets the next one in.
func TestUnauthCaps(t *testing.T) {
	alice, la := newKey(t, "alice")
	f := startServer(t, la, "", func(c *Config) { c.MaxUnauthPerAddr, c.MaxUnauth = 3, 5 })
	var held []net.Conn
	for i := 0; i < 3; i++ {
		c, ok, got := holdUnauth(t, "127.0.0.1", f.addr)
		if !ok {
			t.Fatalf("connection %d of 3 from one address was refused: %s", i+1, got)
		}
		held = append(held, c)
	}
	if _, ok, got := holdUnauth(t, "127.0.0.1", f.addr); ok {
		t.Fatal("a 4th connection not signed in from one address was taken (bound 3)")
	} else if !strings.Contains(got, "too many connections not signed in yet") {
		t.Errorf("the refused connection got %s, want the line saying why", got)
	}
	// Another address: a member gets in while the first address is full.
	conn, err := dialFrom("127.0.0.2", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := signIn(conn, f.addr, alice)
	if err != nil {
		t.Fatalf("a member from another address: %v", err)
	}
	cl.Close()
	// The bound in all: 3 + 2 held, the 6th from a third address refused.
	for i := 0; i < 2; i++ {
		if _, ok, got := holdUnauth(t, "127.0.0.3", f.addr); !ok {
			t.Fatalf("connection %d from a third address: %s", i+1, got)
		}
	}
	if _, ok, _ := holdUnauth(t, "127.0.0.4", f.addr); ok {
		t.Fatal("a 6th connection not signed in was taken (bound 5 in all)")
	}
	// One given back: a member from the first address gets in.
	held[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := dialFrom("127.0.0.1", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := signIn(conn, f.addr, alice)
		if err == nil {
			cl.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a slot given back does not let a member in: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Signed in, a connection gives its pre-auth slot back: with two of
	// three held, members sign in again and again from that address.
	for i := 0; i < 4; i++ {
		conn, err := dialFrom("127.0.0.1", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := signIn(conn, f.addr, alice)
		if err != nil {
			t.Fatalf("sign-in %d from an address with one place left: %v", i+1, err)
		}
		defer cl.Close()
	}
	if !strings.Contains(f.log.String(), "reason=unauthenticated-connections") {
		t.Errorf("no log line for the refusals:\n%s", f.log.String())
	}
}

// TestSessionsPerKey: one key holds at most 2 sessions, over one
// connection or several; members fill --max-sessions and the presenter
// still gets the dashboard.
func TestSessionsPerKey(t *testing.T) {
	exe := fakeTUI(t)
	alice, la := newKey(t, "alice")
	bob, lb := newKey(t, "bob")
	pat, lp := newKey(t, "pat")
	f := startServer(t, la+lb, lp, func(c *Config) { c.Exe = exe; c.MaxSessions = 2 })
	c, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 2; i++ {
		_, out, _ := fakeSession(t, c, 24, 80)
		readUntil(t, out, "term=", 20*time.Second)
	}
	if s, err := c.NewSession(); err == nil {
		s.Close()
		t.Fatal("a 3rd session of one key over one connection was opened (bound 2)")
	} else if !strings.Contains(err.Error(), "this key has 2 sessions open already") {
		t.Errorf("the 3rd session's refusal: %v", err)
	}
	c2, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if s, err := c2.NewSession(); err == nil {
		s.Close()
		t.Fatal("a 3rd session of one key over a second connection was opened (bound 2)")
	}
	// alice's two fill --max-sessions 2: bob is refused, the presenter
	// gets in.
	cb, err := dial(f.addr, gossh.PublicKeys(bob))
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	if out := runPty(t, cb, "", "the server is full"); !strings.Contains(out, "the server is full (2 sessions)") {
		t.Errorf("max-sessions: %q", out)
	}
	cp, err := dial(f.addr, gossh.PublicKeys(pat))
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if out := runPty(t, cp, "", "nettutor serve — members: 2"); !strings.Contains(out, "members: 2") {
		t.Errorf("the presenter's dashboard: %q", out)
	}
	for _, w := range []string{"msg=refused member=alice reason=max-sessions-per-key max=2", "msg=refused member=bob reason=max-sessions max=2"} {
		if !strings.Contains(f.log.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, f.log.String())
		}
	}
}

// TestIdleIsWhatAPersonDoes: a session whose client sends only keepalives
// (OpenSSH's ServerAliveInterval) and window changes that change nothing
// is ended by the idle timeout; one whose member types goes on.
func TestIdleIsWhatAPersonDoes(t *testing.T) {
	exe := fakeTUI(t)
	alice, la := newKey(t, "alice")
	bob, lb := newKey(t, "bob")
	f := startServer(t, la+lb, "", func(c *Config) { c.Exe = exe; c.IdleTimeout = 3 * time.Second })
	ca, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	cb, err := dial(f.addr, gossh.PublicKeys(bob))
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	sa, outA, _ := fakeSession(t, ca, 24, 80)
	readUntil(t, outA, "term=", 20*time.Second)
	_, outB, inB := fakeSession(t, cb, 24, 80)
	readUntil(t, outB, "term=", 20*time.Second)
	go func() { _, _ = io.Copy(io.Discard, outB) }()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				// alice's client: transport traffic only.
				_, _, _ = ca.SendRequest("keepalive@openssh.com", true, nil)
				_ = sa.WindowChange(24, 80)
				// bob types (a space: the fake TUI ignores it).
				_, _ = io.WriteString(inB, " ")
			}
		}
	}()
	readUntil(t, outA, "no key for 3s; session ended", 30*time.Second)
	// bob has typed for longer than the idle timeout by now: still there.
	time.Sleep(3 * time.Second)
	if strings.Contains(f.log.String(), "member=bob kind=member duration") {
		t.Errorf("bob, who types, was ended:\n%s", f.log.String())
	}
	if !strings.Contains(f.log.String(), `msg="session end" member=alice kind=member`) || !strings.Contains(f.log.String(), "reason=idle-timeout") {
		t.Errorf("log lacks alice's idle end:\n%s", f.log.String())
	}
}

// TestPtyClamp: a 65535x65535 terminal is clamped to MaxCols x MaxRows,
// in the pty-req and in a window change, and a storm of window changes
// reaches the TUI at most once per ResizeEvery, the newest size last.
func TestPtyClamp(t *testing.T) {
	exe := fakeTUI(t)
	alice, la := newKey(t, "alice")
	f := startServer(t, la, "", func(c *Config) { c.Exe = exe })
	c, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, out, _ := fakeSession(t, c, 65535, 65535)
	want := fmt.Sprintf("size %d %d.", MaxRows, MaxCols)
	if got := readUntil(t, out, "term=", 20*time.Second); !strings.Contains(got, want) {
		t.Fatalf("the TUI's terminal after a 65535x65535 pty-req: %q, want %q", got, want)
	}
	if err := s.WindowChange(40, 100); err != nil {
		t.Fatal(err)
	}
	readUntil(t, out, "size 40 100.", 10*time.Second)
	if err := s.WindowChange(65535, 65535); err != nil {
		t.Fatal(err)
	}
	readUntil(t, out, want, 10*time.Second)

	// A storm: 2000 window changes, every one a new size.
	before := f.srv.resizes.Load()
	start := time.Now()
	const storm = 2000
	for i := 0; i < storm; i++ {
		if err := s.WindowChange(20+i%100, 50+i%300); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WindowChange(77, 333); err != nil {
		t.Fatal(err)
	}
	readUntil(t, out, "size 77 333.", 10*time.Second)
	took := time.Since(start)
	n := f.srv.resizes.Load() - before
	// What the rate allows over the time the storm took, and the last one.
	if bound := int64(took/ResizeEvery) + 2; n > bound {
		t.Errorf("%d of %d window changes reached the terminal in %s; at most %d may", n, storm+1, took, bound)
	}
	t.Logf("%d window changes in %s, %d reached the terminal", storm+1, took.Round(time.Millisecond), n)
}
