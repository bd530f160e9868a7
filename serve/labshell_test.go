package serve

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// screenLog collects a session's output while the test waits for text.
type screenLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *screenLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// since returns what came after byte from.
func (s *screenLog) since(from int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()[min(from, s.b.Len()):]
}

func (s *screenLog) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// TestLabShellTerm: the lab shell of a served member has the client's
// TERM, so that clear and other terminal programs work there.
func TestLabShellTerm(t *testing.T) {
	exe := nettutorBinary(t)
	alice, la := newKey(t, "alice")
	f := startServer(t, la, "", func(c *Config) { c.Exe = exe })
	c, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("screen-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, _ := s.StdoutPipe()
	in, _ := s.StdinPipe()
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	scr := &screenLog{}
	go func() { _, _ = io.Copy(scr, &terminal{r: out, w: in}) }()
	wait := func(from int, d time.Duration, want string) bool {
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if strings.Contains(scr.since(from), want) {
				return true
			}
		}
		return false
	}
	if !wait(0, 30*time.Second, "RED <-> BLUE") {
		t.Fatalf("no picker:\n%q", scr.since(0))
	}
	fmt.Fprint(in, "3")
	// s opens the lab shell once the lesson's lab is there; a key pressed
	// while it is still being made is dropped, so press until it opens.
	mark := scr.len()
	for i := 0; ; i++ {
		fmt.Fprint(in, "s")
		if wait(mark, 3*time.Second, "[lab ") {
			break
		}
		if i == 10 {
			t.Fatalf("no lab shell:\n%q", scr.since(mark))
		}
	}
	mark = scr.len()
	fmt.Fprint(in, "\x15echo \"T=[$TERM]\"; clear >/dev/null && echo CLEAR-\"OK\"\r")
	if !wait(mark, 20*time.Second, "CLEAR-OK") {
		t.Errorf("clear failed in the lab shell:\n%q", scr.since(mark))
	}
	if got := scr.since(mark); !strings.Contains(got, "T=[screen-256color]") {
		t.Errorf("the lab shell's TERM is not the client's (screen-256color):\n%q", got)
	}
	fmt.Fprint(in, "exit\r")
}
