package serve

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// granted reports whether ch was closed (the slot came), waiting up to d.
func granted(ch <-chan *startSlot, d time.Duration) (*startSlot, bool) {
	select {
	case s := <-ch:
		return s, true
	case <-time.After(d):
		return nil, false
	}
}

// acquireAsync asks for a slot of key in the background; the slot comes on
// the channel.
func acquireAsync(t *testing.T, a *admission, key string, cancel <-chan struct{}) <-chan *startSlot {
	t.Helper()
	ch := make(chan *startSlot, 1)
	before := a.waiting()
	go func() {
		s, err := a.acquire(key, cancel)
		if err != nil {
			t.Errorf("acquire %s: %v", key, err)
		}
		ch <- s
	}()
	// In the queue (or granted) before the next one asks: the order is
	// the test's.
	deadline := time.Now().Add(5 * time.Second)
	for a.waiting() == before && len(ch) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return ch
}

// TestAdmissionFairBetweenKeys: with one slot, a key that queued two more
// sessions before another key's first does not go first again: the slot
// goes to the key with the fewest TUIs, then in order of arrival.
func TestAdmissionFairBetweenKeys(t *testing.T) {
	a := newAdmission(1)
	a1, ok := granted(acquireAsync(t, a, "A", nil), time.Second)
	if !ok {
		t.Fatal("the first session got no slot of a free admission")
	}
	a2 := acquireAsync(t, a, "A", nil)
	a3 := acquireAsync(t, a, "A", nil)
	b1 := acquireAsync(t, a, "B", nil)
	if _, ok := granted(b1, 50*time.Millisecond); ok {
		t.Fatal("a slot was given while the only one is taken")
	}
	a1.started()
	if _, ok := granted(a2, 50*time.Millisecond); ok {
		t.Fatal("A's second session went before B's first, which waited with no TUI")
	}
	b, ok := granted(b1, time.Second)
	if !ok {
		t.Fatal("B's first session never got the slot A's first gave back")
	}
	b.started()
	// A and B run one each: the earlier of A's goes on.
	s2, ok := granted(a2, time.Second)
	if !ok {
		t.Fatal("A's second session did not go next")
	}
	if _, ok := granted(a3, 50*time.Millisecond); ok {
		t.Fatal("two slots out of one")
	}
	s2.ended()
	s3, ok := granted(a3, time.Second)
	if !ok {
		t.Fatal("A's third session never started")
	}
	s3.ended()
	a1.ended()
	b.ended()
	b.ended() // twice is once
	if a.starting != 0 || len(a.running) != 0 || len(a.queue) != 0 {
		t.Errorf("after every session ended: starting %d, running %v, queue %d", a.starting, a.running, len(a.queue))
	}
}

// TestAdmissionLeaving: a member who leaves while waiting takes nothing
// with them, and a stopping server ends every wait.
func TestAdmissionLeaving(t *testing.T) {
	a := newAdmission(1)
	s1, _ := granted(acquireAsync(t, a, "A", nil), time.Second)
	cancel := make(chan struct{})
	gone := acquireAsync(t, a, "B", cancel)
	next := acquireAsync(t, a, "C", nil)
	close(cancel)
	if s, ok := granted(gone, time.Second); !ok || s != nil {
		t.Fatalf("a cancelled wait returned %v, %v", s, ok)
	}
	s1.started()
	s, ok := granted(next, time.Second)
	if !ok {
		t.Fatal("the slot did not go past the member who left")
	}
	waiter := make(chan error, 1)
	go func() { _, err := a.acquire("D", nil); waiter <- err }()
	for a.waiting() == 0 {
		time.Sleep(time.Millisecond)
	}
	a.close()
	select {
	case err := <-waiter:
		if err != errAdmissionClosed {
			t.Errorf("a wait at close: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("close left a member waiting")
	}
	if _, err := a.acquire("E", nil); err != errAdmissionClosed {
		t.Errorf("acquire after close: %v", err)
	}
	s.ended()
	s1.ended()
}

// reportingChild is a member's "TUI" for these tests: it puts the terminal
// in raw mode without echo, as the TUI's screen does, reports on the
// status link that it is up, then shows what it reads.
const reportingChild = `#!/bin/sh
stty raw -echo
printf 'CHILD-UP\r\n'
printf '{"type":"status","lesson":"","step":0}\n' >&3
while :; do
  k=$(dd bs=1 count=3 2>/dev/null)
  printf 'GOT:%s\r\n' "$k"
done
`

// silentChild never reports: it holds its start slot until the timeout.
const silentChild = "#!/bin/sh\nprintf 'CHILD-%s\\r\\n' \"$NETTUTOR_LEARNER\"\nexec sleep 30\n"

func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "child")
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKeysWaitForTheTUI: the server draws a member's first frame, and keys
// the member types at once wait for the TUI: none is echoed by the PTY
// onto the frame (the TUI has not taken the terminal yet), and the TUI
// gets them all, in order, once it says it is up.
func TestKeysWaitForTheTUI(t *testing.T) {
	alice, la := newKey(t, "alice")
	f := startServer(t, la, "", func(c *Config) {
		c.Exe = writeScript(t, "#!/bin/sh\nsleep 1\necho \"DRAWN=$NETTUTOR_SERVE_DRAWN\"\n"+strings.TrimPrefix(reportingChild, "#!/bin/sh\n"))
		c.FirstFrame = func(tty io.Writer, fr Frame) ([]byte, error) {
			_, err := fmt.Fprintf(tty, "SERVE-FRAME %dx%d %s", fr.Width, fr.Height, fr.Lang)
			return []byte("UNDO-FRAME"), err
		}
		c.StartLine = func(lang string) string { return "START-LINE " + lang }
	})
	st, err := dialSilentScreen(f.addr, alice, 100, 30, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if _, _, err := st.waitScreen(10*time.Second, "SERVE-FRAME 100x30 en"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(st.in, "abc"); err != nil {
		t.Fatal(err)
	}
	_, out, err := st.waitScreen(20*time.Second, "GOT:abc")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)START-LINE en\r+\n.*SERVE-FRAME 100x30 en.*DRAWN=100x30.*CHILD-UP.*GOT:abc`).MatchString(out) {
		t.Errorf("want the start line, the frame, the child, then its keys:\n%q", out)
	}
	if i := strings.Index(out, "CHILD-UP"); strings.Contains(out[:i], "abc") {
		t.Errorf("the keys were echoed before the TUI had the terminal:\n%q", out)
	}
	if !strings.Contains(f.log.String(), "queued=") {
		t.Errorf("the session's start says nothing of its wait:\n%s", f.log.String())
	}
}

// TestStartSlotsFair: one member who opens their sessions-per-key, each
// TUI slow to come up (it never reports, so it keeps its start slot
// until the start timeout), does not keep a member who came after them
// waiting behind all of them: the freed slot goes to the key with no TUI.
// Every waiting member has their first frame meanwhile.
func TestStartSlotsFair(t *testing.T) {
	alice, la := newKey(t, "alice")
	bob, lb := newKey(t, "bob")
	f := startServer(t, la+lb, "", func(c *Config) {
		c.Exe = writeScript(t, silentChild)
		c.MaxStarting = 1
		c.MaxSessionsPerKey = 3
		c.StartTimeout = 1500 * time.Millisecond
		c.FirstFrame = func(tty io.Writer, fr Frame) ([]byte, error) {
			_, err := io.WriteString(tty, "SERVE-FRAME\r\n")
			return []byte("UNDO-FRAME\r\n"), err
		}
	})
	var sts []*silentTerm
	defer func() {
		for _, st := range sts {
			st.close()
		}
	}()
	for i, signer := range []gossh.Signer{alice, alice, alice, bob} {
		st, err := dialSilentScreen(f.addr, signer, 80, 24, false)
		if err != nil {
			t.Fatal(err)
		}
		sts = append(sts, st)
		if _, _, err := st.waitScreen(10*time.Second, "SERVE-FRAME"); err != nil {
			t.Fatalf("session %d had no first frame while waiting: %v", i, err)
		}
	}
	// alice's first starts at once; her second and third and bob's wait.
	// After the first's start timeout the slot is bob's.
	deadline := time.Now().Add(30 * time.Second)
	var order []string
	for time.Now().Before(deadline) {
		order = regexp.MustCompile(`msg="session start" member=(\w+)`).FindAllString(f.log.String(), -1)
		if len(order) >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(order) < 2 {
		t.Fatalf("two TUIs did not start in 30s:\n%s", f.log.String())
	}
	if !strings.HasSuffix(order[0], "alice") || !strings.HasSuffix(order[1], "bob") {
		t.Errorf("start order %v: want alice's first, then bob's before alice's others", order)
	}
	if f.srv.admit.max != 1 {
		t.Errorf("MaxStarting 1 gave %d slots", f.srv.admit.max)
	}
}

// TestFrameGivenBack: a TUI that ends before it is up (here at once, as
// one that cannot make its sandbox does) leaves no terminal in the modes
// of the frame the server drew: the server undoes them. One that came up
// gives the terminal back itself, so the server writes nothing after it.
func TestFrameGivenBack(t *testing.T) {
	alice, la := newKey(t, "alice")
	bob, lb := newKey(t, "bob")
	f := startServer(t, la+lb, "", func(c *Config) {
		// bob's TUI comes up and quits on a key; alice's ends at once.
		c.Exe = writeScript(t, `#!/bin/sh
case "$NETTUTOR_LEARNER" in
`+bobFP(t, lb)+`) stty raw -echo; printf '{"type":"status"}\n' >&3; printf 'UP\r\n'; dd bs=1 count=1 2>/dev/null; printf 'BYE\r\n'; exit 0;;
esac
exit 3
`)
		c.FirstFrame = func(tty io.Writer, fr Frame) ([]byte, error) {
			_, err := io.WriteString(tty, "SERVE-FRAME\r\n")
			return []byte("UNDO-FRAME\r\n"), err
		}
	})
	st, err := dialSilentScreen(f.addr, alice, 80, 24, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if _, out, err := st.waitScreen(20*time.Second, "SERVE-FRAME", "UNDO-FRAME"); err != nil {
		t.Fatalf("a TUI that never came up: %v\n%q", err, out)
	}
	st2, err := dialSilentScreen(f.addr, bob, 80, 24, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.close()
	if _, _, err := st2.waitScreen(20*time.Second, "SERVE-FRAME", "UP"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(st2.in, "q"); err != nil {
		t.Fatal(err)
	}
	_ = st2.sess.Wait()
	if out := st2.rawOut(); !strings.Contains(out, "BYE") || strings.Contains(out, "UNDO-FRAME") {
		t.Errorf("a TUI that came up and ended: want its BYE and no undo of the server's:\n%q", out)
	}
}

// bobFP is the fingerprint in a key line, as NETTUTOR_LEARNER carries it.
func bobFP(t *testing.T, line string) string {
	t.Helper()
	pk, _, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	return gossh.FingerprintSHA256(pk)
}

// TestMemberNice: a member's TUI and lab start in a scheduling group
// whose nice is MemberNice, so the server's own work (and the labs already
// running) go first, and the group is back at 0 once the TUI says it is up;
// the server's own group is left as it was.
func TestMemberNice(t *testing.T) {
	if _, err := os.Stat("/proc/self/autogroup"); err != nil {
		t.Skip("no autogrouping in this kernel: no nice is set, and none need be")
	}
	goFile := filepath.Join(t.TempDir(), "go")
	alice, la := newKey(t, "alice")
	f := startServer(t, la, "", func(c *Config) {
		c.Exe = writeScript(t, "#!/bin/sh\nprintf 'STARTED\\r\\n'\nwhile [ ! -e "+goFile+" ]; do sleep 0.05; done\nprintf '{\"type\":\"status\"}\\n' >&3\nexec sleep 30\n")
		c.MemberNice = 7
	})
	own, _ := os.ReadFile("/proc/self/autogroup")
	st, err := dialSilentScreen(f.addr, alice, 80, 24, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if _, out, err := st.waitScreen(20*time.Second, "STARTED"); err != nil {
		t.Fatalf("%v\n%q", err, out)
	}
	var pid string
	for deadline := time.Now().Add(10 * time.Second); pid == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`pid=(\d+)`).FindStringSubmatch(f.log.String()); m != nil {
			pid = m[1]
		}
	}
	if pid == "" {
		t.Fatalf("no child pid in the log:\n%s", f.log.String())
	}
	group := func() string {
		b, _ := os.ReadFile("/proc/" + pid + "/autogroup")
		return strings.TrimSpace(string(b))
	}
	if g := group(); !strings.HasSuffix(g, "nice 7") {
		t.Errorf("the starting member's group: %q, want nice 7", g)
	}
	if err := os.WriteFile(goFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.HasSuffix(group(), "nice 0") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := group(); !strings.HasSuffix(g, "nice 0") {
		t.Errorf("the member's group once the TUI is up: %q, want nice 0", g)
	}
	if again, _ := os.ReadFile("/proc/self/autogroup"); string(again) != string(own) {
		t.Errorf("the server's own group changed: %q, was %q", again, own)
	}
}
