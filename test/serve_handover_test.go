package test

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"
)

// vtSession is an in-process SSH client whose output is drawn on a
// terminal emulator, so a test reads the screen a member sees.
type vtSession struct {
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser

	mu  sync.Mutex
	emu *vt.Emulator
	raw strings.Builder
}

func dialVT(t *testing.T, addr string, signer gossh.Signer, w, h int) *vtSession {
	t.Helper()
	s := &vtSession{emu: vt.NewEmulator(w, h)}
	go func() { _, _ = io.Copy(io.Discard, s.emu) }() // its answers: a silent terminal
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "member", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.client = c
	t.Cleanup(func() { c.Close() })
	if s.sess, err = c.NewSession(); err != nil {
		t.Fatal(err)
	}
	if err := s.sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{gossh.ECHO: 1}); err != nil {
		t.Fatal(err)
	}
	if s.in, err = s.sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := s.sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			s.mu.Lock()
			s.raw.Write(buf[:n])
			_, _ = s.emu.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	if err := s.sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return s
}

// screen is the emulator's text and the raw output so far.
func (s *vtSession) screen() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String(), s.raw.String()
}

// waitFor waits until ok holds of the screen.
func (s *vtSession) waitFor(t *testing.T, what string, timeout time.Duration, ok func(scr string) bool) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		scr, _ := s.screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not on screen after %s:\n%s", what, timeout, scr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeFirstFrameIsTheTUIs: the first frame serve draws for a member,
// from its own process while the member's TUI starts, is the TUI's own
// frame, and the TUI takes the screen over without a flash:
//   - the lesson picker is on screen, with every lesson, before the TUI
//     has taken a key;
//   - the TUI never clears it: one clear in all until the member's keys
//     change the screen (the TUI writes only the lines that differ from
//     the frame it was told is there);
//   - keys typed at once wait for the TUI and move its cursor ("j"), and
//     moving back ("k") gives the very frame serve drew, line for line;
//   - the machine's preflight line, worked out once by serve, is on the
//     terminal once, not again by the TUI.
func TestServeFirstFrameIsTheTUIs(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " alice"
	srv := startServe(t, []sshKey{{name: "alice", pub: line}}, nil)
	s := dialVT(t, srv.addr(), signer, 120, 40)
	picker := func(scr string) bool {
		return strings.Contains(scr, "RED <-> BLUE") && strings.Contains(scr, "q quit") && strings.Contains(scr, "▶ 1")
	}
	first := s.waitFor(t, "the picker", 60*time.Second, picker)
	// Keys at once: the TUI may not be up; they must wait for it.
	if _, err := io.WriteString(s.in, "j"); err != nil {
		t.Fatal(err)
	}
	moved := s.waitFor(t, "the cursor on lesson 2", 60*time.Second, func(scr string) bool { return strings.Contains(scr, "▶ 2") })
	if moved == first {
		t.Fatal("j changed nothing")
	}
	if _, err := io.WriteString(s.in, "k"); err != nil {
		t.Fatal(err)
	}
	back := s.waitFor(t, "the cursor back on lesson 1", 30*time.Second, func(scr string) bool { return strings.Contains(scr, "▶ 1") })
	if back != first {
		t.Errorf("the TUI's own frame differs from the one serve drew for it:\nserve's:\n%s\nthe TUI's:\n%s", first, back)
	}
	_, raw := s.screen()
	if n := strings.Count(raw, "\x1b[2J"); n != 1 {
		t.Errorf("the screen was cleared %d times: the TUI redrew over serve's frame", n)
	}
	if n := strings.Count(raw, "preflight:"); n > 1 {
		t.Errorf("the preflight line came %d times: the TUI worked it out again", n)
	}
	if strings.Contains(raw, "loading") {
		t.Errorf("the TUI drew its loading frame over the picker")
	}
}

// waitRaw waits until the server has sent want (a query, say), as bytes.
func (s *benchSession) waitRaw(want string, timeout time.Duration) bool {
	timer := time.AfterFunc(timeout, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	for !strings.Contains(string(s.out), want) {
		if s.eof != nil || time.Now().After(deadline) {
			return false
		}
		s.cond.Wait()
	}
	return true
}
