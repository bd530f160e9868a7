package test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// sshKey is one member's (or the presenter's) key pair, made by the real
// ssh-keygen; its comment is the member's name, as serve reads it.
type sshKey struct {
	name string // the comment
	path string // private key
	pub  string // the authorized_keys line
}

// sshKeygen makes an ed25519 key pair named name in dir.
func sshKeygen(t testing.TB, dir, name string) sshKey {
	t.Helper()
	path := filepath.Join(dir, name)
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen %s: %v\n%s", name, err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return sshKey{name: name, path: path, pub: strings.TrimSpace(string(pub))}
}

// writeKeys writes an authorized_keys file of keys, one a line.
func writeKeys(t testing.TB, path string, keys ...sshKey) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# written by the serve test\n")
	for _, k := range keys {
		b.WriteString(k.pub + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freePort is a loopback TCP port that nothing listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects the server's log lines from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveFixture is a running `nettutor serve` on a loopback port, with its
// own host key, key files and state folder.
type serveFixture struct {
	t     testing.TB
	port  int
	dir   string
	state string
	cmd   *exec.Cmd
	log   *lockedBuffer
	done  chan struct{}
	err   error // the server's exit, once done is closed
}

// startServe starts the real binary's serve with members and presenters
// and waits until it accepts TCP connections. extra are more flags.
func startServe(t testing.TB, members, presenters []sshKey, extra ...string) *serveFixture {
	t.Helper()
	return startServeExe(t, bin, members, presenters, extra...)
}

// startServeExe is startServe with the nettutor binary exe (a baseline
// build, for a benchmark's side-by-side figures).
func startServeExe(t testing.TB, exe string, members, presenters []sshKey, extra ...string) *serveFixture {
	t.Helper()
	f := &serveFixture{t: t, port: freePort(t), dir: t.TempDir(), log: &lockedBuffer{}, done: make(chan struct{})}
	f.state = filepath.Join(f.dir, "state")
	auth := filepath.Join(f.dir, "authorized_keys")
	pres := filepath.Join(f.dir, "presenter_keys")
	writeKeys(t, auth, members...)
	writeKeys(t, pres, presenters...)
	args := append([]string{"serve",
		"--listen", fmt.Sprintf("127.0.0.1:%d", f.port),
		"--host-key", filepath.Join(f.dir, "host_ed25519"),
		"--authorized-keys", auth,
		"--presenter-keys", pres,
		"--lang", "en"}, extra...)
	f.cmd = exec.Command(exe, args...)
	// CI unset for the sessions' TUIs, as in the tmux tests: termenv takes
	// CI=true for "no terminal".
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CI=") && !strings.HasPrefix(e, "XDG_STATE_HOME=") {
			env = append(env, e)
		}
	}
	f.cmd.Env = append(env, "XDG_STATE_HOME="+f.state)
	f.cmd.Stdout = f.log
	f.cmd.Stderr = f.log
	if err := f.cmd.Start(); err != nil {
		t.Fatalf("start nettutor serve: %v", err)
	}
	go func() { f.err = f.cmd.Wait(); close(f.done) }()
	t.Cleanup(f.stop)
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", f.addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return f
		}
		select {
		case <-f.done:
			t.Fatalf("nettutor serve exited before it listened: %v\n%s", f.err, f.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nettutor serve does not listen on %s after 15s:\n%s", f.addr(), f.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *serveFixture) addr() string { return fmt.Sprintf("127.0.0.1:%d", f.port) }

// alive reports whether the server still runs.
func (f *serveFixture) alive() bool {
	select {
	case <-f.done:
		return false
	default:
		return true
	}
}

// stop ends the server with SIGTERM (SIGKILL after 10 s).
func (f *serveFixture) stop() {
	if !f.alive() {
		return
	}
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
		f.t.Errorf("nettutor serve did not stop on SIGTERM within 10s:\n%s", f.log)
		_ = f.cmd.Process.Kill()
		<-f.done
	}
}

// waitLog waits a moment for a line matching re in the server's log: the
// server may write it after what the client was told, from another
// goroutine.
func (f *serveFixture) waitLog(t *testing.T, re string) {
	t.Helper()
	want := regexp.MustCompile(re)
	for deadline := time.Now().Add(5 * time.Second); !want.MatchString(f.log.String()); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("the server's log lacks %s:\n%s", re, f.log)
			return
		}
	}
}

// sshArgs is the one ssh command a member types, made deterministic: no
// user or system ssh_config, no agent's keys, no host key prompts, no
// password prompt.
func (f *serveFixture) sshArgs(k sshKey, more ...string) []string {
	args := []string{"ssh", "-F", "/dev/null", "-p", strconv.Itoa(f.port), "-i", k.path,
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "SendEnv=LANG", "-o", "ConnectTimeout=10"}
	args = append(args, more...)
	return append(args, "-tt", "127.0.0.1")
}

// sshPane connects with key k in a tmux pane of w x h cells.
func (f *serveFixture) sshPane(t *testing.T, k sshKey, w, h int) *tmuxSession {
	t.Helper()
	return newTmux(t, w, h, f.sshArgs(k)...)
}

// closePane disconnects a pane's ssh client (tmux kills it with SIGHUP)
// and waits until the pane is gone.
func closePane(t *testing.T, s *tmuxSession) {
	t.Helper()
	exec.Command("tmux", "kill-session", "-t", s.name).Run()
	deadline := time.Now().Add(5 * time.Second)
	for exec.Command("tmux", "has-session", "-t", s.name).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("tmux session %s still there", s.name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// proc is a process, with its start time so that a reused pid is not
// taken for the same process.
type proc struct {
	pid   int
	start string
	cmd   string
}

func procStart(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 20 {
		return "", false
	}
	return f[19], true // field 22, starttime
}

func procCmd(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

func procOf(pid int) (proc, bool) {
	st, ok := procStart(pid)
	if !ok {
		return proc{}, false
	}
	return proc{pid: pid, start: st, cmd: procCmd(pid)}, true
}

// sameProcAlive reports whether p still runs (the same process, not a
// reused pid).
func sameProcAlive(p proc) bool {
	st, ok := procStart(p.pid)
	return ok && st == p.start
}

// binProcs lists the processes whose executable is the binary under test,
// found by the file itself (device and inode through /proc/PID/exe), so a
// keeper or helper that pivoted into a lab root and sees the binary under
// another path, or started as a hook (argv[0] nettutor-keeper,
// nettutor-confine, nettutor-spawn, nettutor-nsexec), is found too.
func binProcs(t testing.TB) []proc {
	t.Helper()
	want, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	ws := want.Sys().(*syscall.Stat_t)
	var out []proc
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fi, err := os.Stat("/proc/" + e.Name() + "/exe")
		if err != nil {
			// Gone, or not ours to read: as a plain user, a keeper that
			// runs as a subordinate uid. Such processes of a session are
			// in the tree recorded while it ran (serveTree), and checked
			// there; other users' processes are none of this test's.
			continue
		}
		if s := fi.Sys().(*syscall.Stat_t); s.Dev != ws.Dev || s.Ino != ws.Ino {
			continue
		}
		if p, ok := procOf(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

// serveTree is every process below the server now (the members' TUIs,
// their sandboxes, keepers, helpers and lab shells).
func serveTree(pid int) []proc {
	var out []proc
	for _, d := range descendants(pid) {
		if p, ok := procOf(d); ok {
			out = append(out, p)
		}
	}
	return out
}

// serveHostState is what a session must never change on the host: its
// namespaces, links, nftables ruleset and /run/netns.
func serveHostState(t testing.TB) map[string]string {
	t.Helper()
	st := map[string]string{}
	for name, argv := range map[string][]string{
		"ip netns list": {"ip", "netns", "list"},
		"ip -br link":   {"ip", "-br", "link"},
	} {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
		st[name] = string(out)
	}
	// The ruleset is root's to read; a plain user's run compares the rest.
	if os.Geteuid() == 0 {
		out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
		if err != nil {
			t.Fatalf("nft list ruleset: %v\n%s", err, out)
		}
		st["nft list ruleset"] = string(out)
	}
	ents, err := os.ReadDir("/run/netns")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	st["/run/netns"] = strings.Join(names, "\n")
	return st
}

// between is the text of scr between the lines holding from and to.
func between(scr, from, to string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(scr, "\n") {
		l = strings.TrimRight(l, " ")
		switch {
		case strings.HasPrefix(l, from):
			in = true
		case strings.HasPrefix(l, to):
			return out
		case in && l != "":
			out = append(out, l)
		}
	}
	return out
}

// lineWith is the first line of scr holding every one of subs, or "".
func lineWith(scr string, subs ...string) string {
outer:
	for _, l := range strings.Split(scr, "\n") {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue outer
			}
		}
		return l
	}
	return ""
}

// vethKey finds the digit that opens veth ("RED <-> BLUE") in the
// picker on scr: the lessons' order is not the test's to know.
var vethKeyRe = regexp.MustCompile(`(\d)\s+RED <-> BLUE`)

func vethKey(scr string) (string, bool) {
	m := vethKeyRe.FindStringSubmatch(scr)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// openVeth opens veth from the picker on a pane's screen.
func openVeth(t *testing.T, s *tmuxSession) {
	t.Helper()
	k, ok := vethKey(s.waitFor(20*time.Second, "RED <-> BLUE", "q quit"))
	if !ok {
		t.Fatalf("no digit for veth in the picker:\n%s", s.screen())
	}
	s.keys(k)
}

// pressFor presses key until every want is on screen: a key pressed
// while the TUI is still busy (reading the lab back after a shell) is
// dropped by it, as it is for a learner who presses it then.
func pressFor(t *testing.T, s *tmuxSession, key string, timeout time.Duration, wants ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.keys(key)
		for again := time.Now().Add(3 * time.Second); time.Now().Before(again); time.Sleep(100 * time.Millisecond) {
			scr := s.screen()
			ok := true
			for _, w := range wants {
				ok = ok && strings.Contains(scr, w)
			}
			if ok {
				return scr
			}
		}
		if time.Now().After(deadline) {
			return s.waitFor(time.Millisecond, wants...)
		}
	}
}

// labShell opens the lab shell (s) and gives it a clean command line: an
// s pressed again, because the first came while the exercise's lab was
// still being made, is typed into the new shell and wiped with ^U.
func labShell(t *testing.T, s *tmuxSession) {
	t.Helper()
	pressFor(t, s, "s", 20*time.Second, "[lab ")
	s.keys("C-u")
}

// dashboardRows waits until ok holds for the dashboard's rows of alice
// and bob (their fields), and returns the screen.
func dashboardRows(t *testing.T, p *tmuxSession, ok func(rowA, rowB []string) bool) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		scr := p.screen()
		row := func(name string) []string {
			f := strings.Fields(strings.TrimLeft(lineWith(scr, " "+name+" "), " ▸"))
			if len(f) == 0 || f[0] != name {
				return nil
			}
			return f
		}
		if ok(row("alice"), row("bob")) {
			return scr
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard does not show what it should:\n%s", scr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestServeStudyGroupOverSSH is issue 14's study group, played with the
// real OpenSSH client in tmux over loopback: two members (alice, bob) and a
// presenter (pat) connect to `nettutor serve`; a stranger's key is
// refused; each member steps through veth in a lab of their own; alice's
// lab shell lists only her lab's namespaces (not the one bob made); bob
// answers the veth exercise wrong, then right; the dashboard shows both
// with their steps, bob's ✗ with the failing check and then his ✓, and
// alice's raised hand; a message reaches both; "follow me" moves alice to
// the presenter's step; alice resumes there after a reconnect; after
// everyone left no lab process is left and the host is as it was; the
// server logged each refusal, session start and end, and check.
func TestServeStudyGroupOverSSH(t *testing.T) {
	need(t, "ssh", "ssh-keygen", "tmux", "ip")
	if os.Geteuid() == 0 {
		need(t, "nft")
	}
	keepTmux(t)
	start := time.Now()
	before := serveHostState(t)

	keys := t.TempDir()
	alice := sshKeygen(t, keys, "alice")
	bob := sshKeygen(t, keys, "bob")
	pat := sshKeygen(t, keys, "pat")
	stranger := sshKeygen(t, keys, "mallory")
	srv := startServe(t, []sshKey{alice, bob}, []sshKey{pat})
	serverPid := srv.cmd.Process.Pid

	// A key not in the file: refused, one clear line, the server goes on.
	// Only public keys are offered as a method (no password prompt).
	out, err := exec.Command("timeout", append([]string{"20"}, srv.sshArgs(stranger)...)...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 255 {
		t.Errorf("the stranger's ssh: %v, want exit 255\n%s", err, out)
	}
	if !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Errorf("the stranger's key is not refused as publickey-only:\n%s", out)
	}
	out, err = exec.Command("timeout", append([]string{"20"}, srv.sshArgs(stranger, "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "BatchMode=no", "-o", "NumberOfPasswordPrompts=0")...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Errorf("a password login is not refused: %v\n%s", err, out)
	}
	if !srv.alive() {
		t.Fatalf("the server stopped after a refused key:\n%s", srv.log)
	}

	// The presenter first: an empty dashboard.
	p := srv.sshPane(t, pat, 120, 40)
	p.waitFor(20*time.Second, "members: 0")

	// Two members open veth and step through it, side by side.
	a := srv.sshPane(t, alice, 120, 40)
	b := srv.sshPane(t, bob, 120, 40)
	for _, s := range []*tmuxSession{a, b} {
		openVeth(t, s)
	}
	scr := a.waitFor(20*time.Second, "Topology", "step 0/")
	n := stepCount(t, scr)
	b.waitFor(20*time.Second, "Topology", "step 0/"+n)
	steps, _ := strconv.Atoi(n)
	for i := 1; i <= steps; i++ {
		for _, s := range []*tmuxSession{a, b} {
			s.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
		}
		for _, s := range []*tmuxSession{a, b} {
			s.waitFor(30*time.Second, fmt.Sprintf("step %d/%s", i, n), fmt.Sprintf("step %d done", i))
		}
	}

	// Every session has its own processes below the server.
	tree := serveTree(serverPid)
	if len(tree) < 4 {
		t.Fatalf("two sessions with labs, but only %d processes below the server: %v", len(tree), tree)
	}
	// The scan that must come back empty at the end finds the sessions'
	// TUIs and their labs' keepers now, so an empty scan means something.
	var tuis, keepers int
	for _, q := range binProcs(t) {
		switch {
		case strings.Contains(q.cmd, " tui ") && strings.Contains(q.cmd, "--progress"):
			tuis++
		case strings.HasPrefix(q.cmd, "nettutor-keeper"):
			keepers++
		}
	}
	if tuis < 2 || keepers < 2 {
		t.Errorf("the process scan finds %d member TUIs and %d keepers, want 2 of each:\n%v", tuis, keepers, binProcs(t))
	}

	// bob, in the exercise: a wrong answer (a pair with no addresses) in
	// the exercise's lab shell, with a namespace of his own beside it.
	b.keys("e")
	b.waitFor(20*time.Second, "Exercise:", "veth/connect")
	labShell(t, b)
	b.keys("ip netns add BOBONLY; ip link add veth0 type veth peer name veth1; ip link set veth0 netns RED; ip link set veth1 netns BLUE; ip netns list; echo bob-$((6*7))", "Enter")
	b.waitFor(10*time.Second, "BOBONLY", "bob-42")
	b.keys("exit", "Enter")
	b.waitFor(15*time.Second, "exercise 1/", "back from the shell")
	scr = pressFor(t, b, "c", 30*time.Second, "✗ RED has 11.11.11.2/24", "not yet: see the checks marked ✗")
	if strings.Contains(scr, "all checks pass") {
		t.Errorf("bob's wrong answer passed:\n%s", scr)
	}
	// The dashboard has bob's ✗ and the check that failed.
	dashboardRows(t, p, func(_, rowB []string) bool {
		return len(rowB) >= 6 && rowB[4] == "✗" && strings.Contains(strings.Join(rowB[5:], " "), "veth/connect: RED has 11.11.11.2/24")
	})

	// alice's lab shell lists her lab's namespaces, and no one else's.
	labShell(t, a)
	a.keys("echo ==netns; ip netns list; echo ==end-$((6*7))", "Enter")
	scr = a.waitFor(10*time.Second, "==end-42")
	var names []string
	for _, l := range between(scr, "==netns", "==end-42") {
		if strings.HasPrefix(l, "[lab ") {
			continue // the prompt's line of the command itself
		}
		names = append(names, strings.Fields(l)[0])
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "BLUE RED" {
		t.Errorf("alice's ip netns list = %q, want only her lab's BLUE RED:\n%s", names, scr)
	}
	a.keys("exit", "Enter")
	a.waitFor(15*time.Second, "Topology", "step "+n+"/"+n)

	// bob's right answer: the addresses and links up, then ✓.
	labShell(t, b)
	b.keys("ip -n RED addr add 11.11.11.2/24 dev veth0; ip -n RED link set veth0 up; ip -n BLUE addr add 11.11.11.3/24 dev veth1; ip -n BLUE link set veth1 up; echo bob-$((7*7))", "Enter")
	b.waitFor(10*time.Second, "bob-49")
	b.keys("exit", "Enter")
	b.waitFor(15*time.Second, "exercise 1/", "back from the shell")
	pressFor(t, b, "c", 30*time.Second, "✓ all checks pass")

	// The presenter's dashboard: both members, their steps, bob's ✓ (one
	// exercise passed), alice's raised hand.
	a.keys("H")
	scr = dashboardRows(t, p, func(rowA, rowB []string) bool {
		return len(rowA) >= 5 && len(rowB) >= 6 &&
			rowA[1] == "veth" && rowA[2] == n+"/"+n && rowA[3] == "0" && strings.Contains(strings.Join(rowA, " "), "✋") &&
			rowB[1] == "veth" && rowB[2] == n+"/"+n && rowB[3] == "1" && rowB[4] == "✓" && rowB[5] == "veth/connect"
	})
	t.Logf("the dashboard:\n%s", scr)
	a.keys("H")
	dashboardRows(t, p, func(rowA, _ []string) bool {
		return len(rowA) >= 5 && !strings.Contains(strings.Join(rowA, " "), "✋")
	})

	// A one-line message to all.
	p.keys("m")
	// The prompt first: keys that reach the dashboard in one read come to
	// it as one burst of runes, which is no "m".
	p.waitFor(10*time.Second, "message to all:")
	p.keys("-l", "look at the veth pair")
	p.keys("Enter")
	p.waitFor(10*time.Second, "message sent to 2")
	a.waitFor(10*time.Second, "presenter: look at the veth pair")
	b.waitFor(10*time.Second, "presenter: look at the veth pair")

	// The presenter's own lesson view: veth to step 3, then back to the
	// dashboard and "follow me".
	const at = 3
	p.keys("l")
	openVeth(t, p)
	p.waitFor(20*time.Second, "Topology", "step 0/"+n)
	for i := 1; i <= at; i++ {
		p.keys("n", "Enter")
		p.waitFor(30*time.Second, fmt.Sprintf("step %d/%s", i, n), fmt.Sprintf("step %d done", i))
	}
	p.keys("q")
	p.waitFor(10*time.Second, "q quit")
	p.keys("q")
	p.waitFor(20*time.Second, "alice", "bob")
	p.keys("f")
	scr = a.waitFor(15*time.Second, "press F to follow")
	if lineWith(scr, "press F to follow", "veth", fmt.Sprint(at)) == "" {
		t.Errorf("the follow banner does not name veth and step %d:\n%s", at, scr)
	}
	a.keys("F")
	a.waitFor(30*time.Second, fmt.Sprintf("step %d/%s", at, n))

	// alice leaves and comes back: she resumes at the step she followed to,
	// and the server went on.
	closePane(t, a)
	a = srv.sshPane(t, alice, 120, 40)
	scr = a.waitFor(20*time.Second, "RED <-> BLUE", "q quit")
	// Her progress is on the picker (veth done, or at the step)...
	if !regexp.MustCompile(fmt.Sprintf(`RED <-> BLUE.*(✓ done|step %d/%s)`, at, n)).MatchString(scr) {
		t.Errorf("alice's picker after a reconnect does not show her veth progress:\n%s", scr)
	}
	// ...and veth opens at the step she followed to.
	openVeth(t, a)
	a.waitFor(30*time.Second, "Topology", fmt.Sprintf("step %d/%s", at, n))

	// Everyone leaves: nothing of a lab is left, the server goes on.
	tree = append(tree, serveTree(serverPid)...)
	for _, s := range []*tmuxSession{a, b, p} {
		closePane(t, s)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []string
		for _, q := range tree {
			if sameProcAlive(q) {
				left = append(left, fmt.Sprintf("%d %s", q.pid, q.cmd))
			}
		}
		for _, q := range binProcs(t) {
			if q.pid != serverPid {
				left = append(left, fmt.Sprintf("%d %s (the binary)", q.pid, q.cmd))
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after every session ended, still running:\n%s\nserver log:\n%s", strings.Join(left, "\n"), srv.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !srv.alive() {
		t.Fatalf("the server stopped when the sessions ended:\n%s", srv.log)
	}
	// The dashboard's session ends too (it has no process of its own to
	// wait for: its end is its log line).
	presenterEnd := regexp.MustCompile(`msg="session end" member=pat kind=presenter duration=\S+ reason=disconnect`)
	for deadline := time.Now().Add(10 * time.Second); !presenterEnd.MatchString(srv.log.String()); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("the presenter's session did not end within 10s of the disconnect:\n%s", srv.log)
			break
		}
	}
	srv.stop()
	compareHost(t, before, serveHostState(t), "after the study group")
	// The log: a line per refusal, session start and end, and check.
	logs := srv.log.String()
	for _, want := range []string{
		`level=warn .*msg="refused unknown key" fingerprint=SHA256:`,
		`msg="session start" member=pat kind=presenter `,
		`msg="session start" member=alice kind=member (.|\n)*msg="session start" member=alice kind=member `,
		`msg=check member=bob exercise=veth/connect result=fail failed="RED has 11.11.11.2/24[^"]*"(.|\n)*msg=check member=bob exercise=veth/connect result=pass`,
		`msg="session end" member=bob kind=member duration=\S+ reason=disconnect`,
		`msg="session end" member=pat kind=presenter duration=\S+ reason=disconnect`,
	} {
		if !regexp.MustCompile(want).MatchString(logs) {
			t.Errorf("the server's log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "goroutine ") || strings.Contains(logs, "panic") {
		t.Errorf("a stack trace in the server's log:\n%s", logs)
	}
	if d := time.Since(start); d > 90*time.Second {
		t.Errorf("the study group took %s, over the 90s budget", d.Round(time.Second))
	}
	t.Logf("study group over ssh: %s", time.Since(start).Round(100*time.Millisecond))
}

// benchSession is one in-process SSH client of BenchmarkServeSessions,
// reading what the server sends into out.
type benchSession struct {
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.WriteCloser

	mu   sync.Mutex
	cond *sync.Cond
	out  []byte
	eof  error
}

// ansiSeq matches the escape sequences bubbletea writes (CSI, OSC, the
// two-byte ones), so what is left is the text on screen.
var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;?<=>!]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]`)

// dialBench connects as the member of signer with a PTY of 120x40 and
// starts the shell (the member's TUI).
func dialBench(addr string, signer gossh.Signer) (*benchSession, error) {
	return dialBenchTerm(addr, signer, true)
}

// dialBenchTerm is dialBench with a terminal that answers the TUI's
// queries (answer) or one that answers none, as some terminals and most
// scripts behave.
func dialBenchTerm(addr string, signer gossh.Signer, answer bool) (*benchSession, error) {
	cfg := &gossh.ClientConfig{
		User:            "member",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), // a throwaway host key on loopback
		Timeout:         10 * time.Second,
	}
	c, err := gossh.Dial("tcp", addr, cfg)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	s := &benchSession{client: c}
	s.cond = sync.NewCond(&s.mu)
	if s.sess, err = c.NewSession(); err != nil {
		c.Close()
		return nil, fmt.Errorf("new session: %w", err)
	}
	if err := s.sess.Setenv("LANG", "C.UTF-8"); err != nil {
		// A server may refuse env requests; the language then comes from --lang.
		_ = err
	}
	if err := s.sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{gossh.ECHO: 1}); err != nil {
		s.close()
		return nil, fmt.Errorf("request pty: %w", err)
	}
	if s.stdin, err = s.sess.StdinPipe(); err != nil {
		s.close()
		return nil, fmt.Errorf("stdin: %w", err)
	}
	stdout, err := s.sess.StdoutPipe()
	if err != nil {
		s.close()
		return nil, fmt.Errorf("stdout: %w", err)
	}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			// Answer the terminal queries (background colour, cursor
			// position) as a terminal does: unanswered, the TUI waits for
			// each until its timeout, which no learner's terminal makes it do.
			// (A query cut across two reads goes unanswered: the TUI then
			// waits, and the figure shows it.)
			if answer && bytes.Contains(buf[:n], []byte("\x1b]11;?")) {
				s.stdin.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
			}
			if answer && bytes.Contains(buf[:n], []byte("\x1b[6n")) {
				s.stdin.Write([]byte("\x1b[1;1R"))
			}
			s.mu.Lock()
			s.out = append(s.out, buf[:n]...)
			if err != nil {
				s.eof = err
			}
			s.cond.Broadcast()
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	if err := s.sess.Shell(); err != nil {
		s.close()
		return nil, fmt.Errorf("shell: %w", err)
	}
	return s, nil
}

// mark is where the output is now: waitText looks only past it.
func (s *benchSession) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.out)
}

// since is the text on screen that came after offset from.
func (s *benchSession) since(from int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansiSeq.ReplaceAllString(string(s.out[from:]), "")
}

// waitText waits until the text want is on screen in what came after
// offset from, and returns when it came.
func (s *benchSession) waitText(from int, want string, timeout time.Duration) (time.Time, error) {
	timer := time.AfterFunc(timeout, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := -1
	for {
		if len(s.out) != seen {
			seen = len(s.out)
			if strings.Contains(ansiSeq.ReplaceAllString(string(s.out[from:]), ""), want) {
				return time.Now(), nil
			}
		}
		if s.eof != nil {
			return time.Time{}, fmt.Errorf("%q never came: the session ended (%v):\n%s", want, s.eof, tail(ansiSeq.ReplaceAllString(string(s.out), ""), 2000))
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%q not on screen after %s:\n%s", want, timeout, tail(ansiSeq.ReplaceAllString(string(s.out), ""), 2000))
		}
		s.cond.Wait()
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (s *benchSession) send(keys string) error {
	_, err := s.stdin.Write([]byte(keys))
	return err
}

func (s *benchSession) close() {
	if s.sess != nil {
		s.sess.Close()
	}
	s.client.Close()
}

// procMem is a process's proportional set size in bytes (its share of
// pages it shares with others, as smaps_rollup counts it), or its RSS
// where the kernel has no smaps_rollup.
func procMem(pid int) (int64, bool) {
	read := func(file, field string) (int64, bool) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
		if err != nil {
			return 0, false
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, field) {
				f := strings.Fields(l[len(field):])
				if len(f) > 0 {
					kb, err := strconv.ParseInt(f[0], 10, 64)
					return kb << 10, err == nil
				}
			}
		}
		return 0, false
	}
	if v, ok := read("smaps_rollup", "Pss:"); ok {
		return v, true
	}
	return read("status", "VmRSS:")
}

// procCPU is the CPU time (user and system) of pid itself and of its
// children that ended and were waited for.
func procCPU(pid int) (own, children time.Duration) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 15 {
		return 0, 0
	}
	tick := func(i int) time.Duration {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(v) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	}
	// After the ')': state is field 3 of stat, so utime (14) is f[11].
	return tick(11) + tick(12), tick(13) + tick(14)
}

// childrenOf lists the direct children of pid.
func childrenOf(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

// treeMem is the memory of pid and every process below it.
func treeMem(pid int) int64 {
	total, _ := procMem(pid)
	for _, d := range descendants(pid) {
		m, _ := procMem(d)
		total += m
	}
	return total
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	// Nearest rank: the smallest value with at least p of them at or below it.
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkServeSessions runs N concurrent sessions against the real
// binary's `nettutor serve` on loopback, each an in-process SSH client
// with a PTY that opens veth and steps through it, all at once. It
// reports, for N = 1, 10 and 30 (NETTUTOR_BENCH_SESSIONS=1,10,30,40,50
// for others):
//   - MiB/session: the proportional set size (PSS; RSS without
//     smaps_rollup) of each session's processes (its TUI child, sandbox,
//     keeper, helpers), plus the server's own growth divided by N, taken
//     while every session is at its lesson's last step;
//   - first-frame-ms (mean, p95 and max): from the start of the SSH dial
//     until the lesson picker, its lessons listed, is on the client's
//     screen, N dialling at once (or one every NETTUTOR_BENCH_STAGGER,
//     e.g. 200ms: members arriving one by one); first-paint-ms-p50 until
//     the TUI's first frame of any kind (the picker's "loading…");
//   - open-ms (p50, p95): from the dial until veth's first screen, its
//     key sent as soon as the picker is on screen: the member's TUI and
//     lab up, the part of the start a frame drawn by serve does not hide;
//   - key-frame-ms (p50, p95, max): from a key that only redraws (":"
//     opens the jump prompt, an empty enter closes it) until its frame
//     is on the client's screen, after every step, under the same load:
//     the TUI, the PTY and SSH without the lab's work;
//   - cpu-ms/session: the CPU time of a session's processes, connect to
//     disconnect (the whole lesson), and server-cpu-ms/session the
//     server's own (SSH, PTY relay) divided by N;
//   - step-ms (p50, p95, max): from the key `n` until "step i done" is on
//     the client's screen, every session stepping through the lesson at
//     once, each pausing a learner's think time between its steps (0.5 to
//     1.5 times NETTUTOR_BENCH_THINK, default 1s; 0: back to back, every
//     session pressing n the moment its last step is drawn).
//
// It logs one session's memory process by process, the step frame of each
// step (p50/max), the load average, which on a shared machine decides the
// latencies as much as serve does, and a session's CPU by role (its TUI,
// the keepers of its lab and of its spare, the runner, the programs a step
// runs; serve_cpu_test.go), from the start until every session opened
// veth and while stepping (NETTUTOR_BENCH_CPU_EVERY: how often the
// processes are read, default 50ms; 0: not at all).
//
// Targets (issue 14, 2 cores): 30 sessions at most 40 MiB each, first
// frame within 300 ms, a step's frame within 50 ms.
//
//	go test ./test -run '^$' -bench BenchmarkServeSessions -benchtime 1x
func BenchmarkServeSessions(b *testing.B) {
	counts := []int{1, 10, 30}
	if v := os.Getenv("NETTUTOR_BENCH_SESSIONS"); v != "" {
		counts = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("NETTUTOR_BENCH_SESSIONS=%q: want counts like 1,10,30", v)
			}
			counts = append(counts, n)
		}
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			b.Fatalf("%s=%q: want a duration like 1s or 0", name, v)
		}
		return d
	}
	think := dur("NETTUTOR_BENCH_THINK", time.Second)
	stagger := dur("NETTUTOR_BENCH_STAGGER", 0)
	// NETTUTOR_BENCH_BASELINE names another nettutor binary (say, main's
	// build) to run first at each N, back to back with this one, so their
	// figures share a machine and a load.
	baseline := os.Getenv("NETTUTOR_BENCH_BASELINE")
	for _, n := range counts {
		if baseline == "" {
			b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchServe(b, bin, n, think, stagger) })
			continue
		}
		var mem [2]float64
		for i, exe := range []string{baseline, bin} {
			name := [2]string{"baseline", "this"}[i]
			b.Run(fmt.Sprintf("N=%d/build=%s", n, name), func(b *testing.B) {
				mem[i] = benchServe(b, exe, n, think, stagger)
				if i == 1 && mem[0] > 0 {
					// This build's memory per session over the baseline's.
					b.ReportMetric(mem[1]/mem[0], "MiB/session-ratio")
				}
			})
		}
	}
}

// benchServe runs BenchmarkServeSessions' N sessions against exe's serve
// and returns the memory per session (MiB).
func benchServe(b *testing.B, exe string, n int, think, stagger time.Duration) float64 {
	signers := make([]gossh.Signer, n)
	members := make([]sshKey, n)
	for i := range signers {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		signers[i], err = gossh.NewSignerFromKey(priv)
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("member%02d", i)
		line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signers[i].PublicKey()))) + " " + name
		members[i] = sshKey{name: name, pub: line}
	}
	srv := startServeExe(b, exe, members, nil, "--max-sessions", strconv.Itoa(n))
	serverPid := srv.cmd.Process.Pid
	serverBase, _ := procMem(serverPid)
	ownCPU0, kidsCPU0 := procCPU(serverPid)
	// Where a session's CPU goes, role by role (NETTUTOR_BENCH_CPU_EVERY:
	// how often the processes are read, default 50ms; 0: not at all).
	var sampler *cpuSampler
	every := 50 * time.Millisecond
	if v := os.Getenv("NETTUTOR_BENCH_CPU_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("NETTUTOR_BENCH_CPU_EVERY=%q: want a duration like 50ms or 0", v)
		}
		every = d
	}
	if every > 0 {
		sampler = newCPUSampler(serverPid, every)
	}
	var atOpen map[string]time.Duration

	var firsts, paints, openLat, stepLat, keyLat []time.Duration
	var byStep [][]time.Duration // by the step's number - 1
	var perSession []int64
	var serverGrowth int64
	b.ResetTimer()
	for iter := 0; iter < b.N; iter++ {
		sessions := make([]*benchSession, n)
		first := make([]time.Duration, n)
		paint := make([]time.Duration, n)
		opens := make([]time.Duration, n)
		steps := make([][]time.Duration, n)
		keys := make([][]time.Duration, n)
		errs := make([]error, n)
		var opened, stepped sync.WaitGroup
		opened.Add(n)
		stepped.Add(n)
		var measured sync.WaitGroup
		measured.Add(1)
		var all sync.WaitGroup
		for i := 0; i < n; i++ {
			all.Add(1)
			if i > 0 {
				time.Sleep(stagger)
			}
			go func(i int) {
				defer all.Done()
				fail := func(err error) {
					errs[i] = err
				}
				t0 := time.Now()
				s, err := dialBench(srv.addr(), signers[i])
				if err != nil {
					fail(err)
					opened.Done()
					stepped.Done()
					return
				}
				sessions[i] = s
				at, err := s.waitText(0, "q quit", 60*time.Second)
				if err == nil {
					paint[i] = at.Sub(t0)
					at, err = s.waitText(0, "RED <-> BLUE", 60*time.Second)
				}
				if err != nil {
					fail(fmt.Errorf("session %d: first frame: %w", i, err))
					opened.Done()
					stepped.Done()
					return
				}
				first[i] = at.Sub(t0)
				key, ok := vethKey(s.since(0))
				if !ok {
					fail(fmt.Errorf("session %d: no digit for veth in the picker:\n%s", i, tail(s.since(0), 2000)))
					opened.Done()
					stepped.Done()
					return
				}
				m := s.mark()
				total := 0
				if err = s.send(key); err == nil {
					_, err = s.waitText(m, "step 0/", 60*time.Second)
				}
				if err == nil {
					opens[i] = time.Since(t0)
					if sm := regexp.MustCompile(`step 0/(\d+)`).FindStringSubmatch(s.since(m)); sm != nil {
						total, _ = strconv.Atoi(sm[1])
					} else {
						err = fmt.Errorf("no step count on screen")
					}
				}
				opened.Done()
				if err != nil {
					fail(fmt.Errorf("session %d: open veth: %w", i, err))
					stepped.Done()
					return
				}
				opened.Wait() // every session steps at the same time
				if i == 0 && sampler != nil && iter == 0 {
					atOpen = sampler.breakdown()
				}
				for st := 1; ; st++ {
					if think > 0 {
						time.Sleep(think/2 + time.Duration(mrand.Int64N(int64(think))))
					}
					m := s.mark()
					t1 := time.Now()
					if err := s.send("n\r"); err != nil { // \r: past a predict gate
						fail(err)
						break
					}
					at, err := s.waitText(m, fmt.Sprintf("step %d done", st), 60*time.Second)
					if err != nil {
						fail(fmt.Errorf("session %d: step %d: %w", i, st, err))
						break
					}
					steps[i] = append(steps[i], at.Sub(t1))
					// A frame with no lab work behind it: ":" opens the
					// jump prompt, and an empty enter closes it again
					// ("no step here"), two redraws of the status line.
					for _, k := range []struct{ key, want string }{{":", "jump to step (0-"}, {"\r", "no step  here (0-"}} {
						m := s.mark()
						t2 := time.Now()
						if err = s.send(k.key); err == nil {
							at, err = s.waitText(m, k.want, 60*time.Second)
						}
						if err != nil {
							fail(fmt.Errorf("session %d: key %q after step %d: %w", i, k.key, st, err))
							break
						}
						keys[i] = append(keys[i], at.Sub(t2))
					}
					if errs[i] != nil {
						break
					}
					if st == total {
						break // the last step
					}
					if st == 50 {
						fail(fmt.Errorf("session %d: no last step after 50", i))
						break
					}
				}
				stepped.Done()
				measured.Wait()
			}(i)
		}
		stepped.Wait()
		for _, err := range errs {
			if err != nil {
				measured.Done()
				all.Wait()
				for _, s := range sessions {
					if s != nil {
						s.close()
					}
				}
				b.Fatalf("%v\nserver log:\n%s", err, tail(srv.log.String(), 4000))
			}
		}
		// Every session holds its lab at the lesson's last step: measure.
		kids := childrenOf(serverPid)
		if len(kids) != n {
			b.Errorf("%d sessions, but the server has %d children", n, len(kids))
		}
		for _, k := range kids {
			perSession = append(perSession, treeMem(k))
		}
		if iter == 0 && len(kids) > 0 {
			// Where one session's memory goes, process by process.
			var parts []string
			for _, pid := range append([]int{kids[0]}, descendants(kids[0])...) {
				m, _ := procMem(pid)
				cmd := strings.Fields(procCmd(pid))
				if len(cmd) == 0 {
					cmd = []string{"?"}
				}
				parts = append(parts, fmt.Sprintf("%s %.1f", filepath.Base(cmd[0]), float64(m)/(1<<20)))
			}
			b.Logf("one session's processes (MiB): %s", strings.Join(parts, ", "))
		}
		if m, ok := procMem(serverPid); ok {
			serverGrowth += m - serverBase
		}
		measured.Done()
		all.Wait()
		for i := range sessions {
			firsts = append(firsts, first[i])
			paints = append(paints, paint[i])
			openLat = append(openLat, opens[i])
			stepLat = append(stepLat, steps[i]...)
			keyLat = append(keyLat, keys[i]...)
			for k, d := range steps[i] {
				for len(byStep) <= k {
					byStep = append(byStep, nil)
				}
				byStep[k] = append(byStep[k], d)
			}
			sessions[i].close()
		}
		// The next round starts when every lab of this one is gone.
		deadline := time.Now().Add(30 * time.Second)
		for len(childrenOf(serverPid)) > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if k := childrenOf(serverPid); len(k) > 0 {
			b.Fatalf("sessions closed, but the server still has children %v", k)
		}
	}
	b.StopTimer()
	if sampler != nil {
		sampler.halt()
		end := sampler.breakdown()
		b.Logf("CPU ms a session by role, start until every session opened veth: %s", cpuReport(atOpen, n))
		stepping := map[string]time.Duration{}
		for k, v := range end {
			stepping[k] = v - atOpen[k]
		}
		b.Logf("CPU ms a session by role, stepping to the end: %s", cpuReport(stepping, n*b.N))
		b.Logf("CPU ms a session by role, whole run: %s", cpuReport(end, n*b.N))
	}
	// Every session's processes have ended and been waited for, each by
	// its parent, so their CPU time has rolled up into the server's
	// children's time.
	ownCPU, kidsCPU := procCPU(serverPid)
	b.ReportMetric(ms(kidsCPU-kidsCPU0)/float64(b.N*n), "cpu-ms/session")
	b.ReportMetric(ms(ownCPU-ownCPU0)/float64(b.N*n), "server-cpu-ms/session")
	var per []string
	for k, ds := range byStep {
		per = append(per, fmt.Sprintf("%d:%.0f/%.0f", k+1, ms(percentile(ds, 0.5)), ms(percentile(ds, 1))))
	}
	b.Logf("step frame ms by step (p50/max): %s", strings.Join(per, " "))
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("load average at the end: %s", strings.TrimSpace(string(la)))
	}
	var sum, max int64
	for _, m := range perSession {
		sum += m
		if m > max {
			max = m
		}
	}
	const mib = 1 << 20
	mean := float64(sum)/float64(len(perSession)) + float64(serverGrowth)/float64(b.N)/float64(n)
	b.ReportMetric(mean/mib, "MiB/session")
	// The server's own part of it (SSH, PTY relay, the hub): what serve's
	// libraries change, beside the child TUI's, which tui's change.
	b.ReportMetric(float64(serverGrowth)/float64(b.N)/float64(n)/mib, "server-MiB/session")
	b.ReportMetric(float64(max)/mib, "MiB-max/session")
	var fsum time.Duration
	for _, f := range firsts {
		fsum += f
	}
	b.ReportMetric(ms(fsum)/float64(len(firsts)), "first-frame-ms")
	b.ReportMetric(ms(percentile(firsts, 0.95)), "first-frame-ms-p95")
	b.ReportMetric(ms(percentile(firsts, 1)), "first-frame-ms-max")
	b.ReportMetric(ms(percentile(paints, 0.5)), "first-paint-ms-p50")
	// From the dial until veth's first screen is up, its key pressed as
	// soon as the picker showed: the member's TUI and lab started, however
	// early the picker came (serve draws it while the TUI starts).
	b.ReportMetric(ms(percentile(openLat, 0.5)), "open-ms-p50")
	b.ReportMetric(ms(percentile(openLat, 0.95)), "open-ms-p95")
	b.ReportMetric(ms(percentile(stepLat, 0.5)), "step-ms-p50")
	b.ReportMetric(ms(percentile(stepLat, 0.95)), "step-ms-p95")
	b.ReportMetric(ms(percentile(stepLat, 1)), "step-ms-max")
	b.ReportMetric(ms(percentile(keyLat, 0.5)), "key-frame-ms-p50")
	b.ReportMetric(ms(percentile(keyLat, 0.95)), "key-frame-ms-p95")
	b.ReportMetric(ms(percentile(keyLat, 1)), "key-frame-ms-max")
	return mean / mib
}

// TestServeSIGKILLLeavesNoLab: a member in a lesson with a lab shell open,
// then the server is killed with SIGKILL (no chance to clean up): every
// process of the session (its TUI, sandbox, keeper, helpers, the shell)
// goes with it, through the parent-death signals, and the host is as it
// was.
func TestServeSIGKILLLeavesNoLab(t *testing.T) {
	need(t, "ssh", "ssh-keygen", "tmux", "ip")
	if os.Geteuid() == 0 {
		need(t, "nft")
	}
	keepTmux(t)
	before := serveHostState(t)
	alice := sshKeygen(t, t.TempDir(), "alice")
	srv := startServe(t, []sshKey{alice}, nil)
	a := srv.sshPane(t, alice, 120, 40)
	openVeth(t, a)
	scr := a.waitFor(20*time.Second, "Topology", "step 0/")
	n := stepCount(t, scr)
	for i := 1; i <= 3; i++ {
		a.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
		a.waitFor(30*time.Second, fmt.Sprintf("step %d/%s", i, n), fmt.Sprintf("step %d done", i))
	}
	labShell(t, a)
	a.keys("sleep 600 & echo sleeper-$((6*7))", "Enter")
	a.waitFor(10*time.Second, "sleeper-42")
	tree := serveTree(srv.cmd.Process.Pid)
	var sleepers int
	for _, q := range tree {
		if strings.HasPrefix(q.cmd, "sleep 600") {
			sleepers++
		}
	}
	if sleepers != 1 || len(tree) < 5 {
		t.Fatalf("want the session's TUI, sandbox, keeper, shell and its sleep below the server, found:\n%v", tree)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []string
		for _, q := range tree {
			if sameProcAlive(q) {
				left = append(left, fmt.Sprintf("%d %s", q.pid, q.cmd))
			}
		}
		for _, q := range binProcs(t) {
			left = append(left, fmt.Sprintf("%d %s (the binary)", q.pid, q.cmd))
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the server's SIGKILL, still running:\n%s", strings.Join(left, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	compareHost(t, before, serveHostState(t), "after the server's SIGKILL")
}

// TestServeLanguageFromClient: a member's language comes from the client,
// not the server's --lang en: its LANG (sent with SendEnv, as Debian's
// ssh_config does) or the command `ko`.
func TestServeLanguageFromClient(t *testing.T) {
	need(t, "ssh", "ssh-keygen", "tmux")
	keepTmux(t)
	alice := sshKeygen(t, t.TempDir(), "alice")
	srv := startServe(t, []sshKey{alice}, nil)
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"LANG=ko_KR.UTF-8", append([]string{"env", "LANG=ko_KR.UTF-8"}, srv.sshArgs(alice)...)},
		{"command ko", append(srv.sshArgs(alice), "ko")},
		{"LANG=C.UTF-8", srv.sshArgs(alice)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newTmux(t, 120, 40, c.argv...)
			ko := c.name != "LANG=C.UTF-8"
			want, other := "RED <-> BLUE: two namespaces on a veth pair", "RED <-> BLUE: veth 쌍으로 잇는 두 네임스페이스"
			if ko {
				want, other = other, want
			}
			scr := s.waitFor(20*time.Second, want)
			if strings.Contains(scr, other) {
				t.Errorf("both languages on screen:\n%s", scr)
			}
			closePane(t, s)
		})
	}
}

// TestServeRefusesWhatIsNoLesson: a known key still gets nothing but the
// TUI on a terminal: a session without a PTY gets one clear line and a
// non-zero exit, remote port forwarding and the sftp subsystem are
// refused, and the server goes on.
func TestServeRefusesWhatIsNoLesson(t *testing.T) {
	need(t, "ssh", "ssh-keygen")
	alice := sshKeygen(t, t.TempDir(), "alice")
	srv := startServe(t, []sshKey{alice}, nil)
	noTTY := func(args []string) []string { // the same command, without -tt
		var out []string
		for _, a := range args {
			if a != "-tt" {
				out = append(out, a)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no PTY", append(noTTY(srv.sshArgs(alice)), "-T"), `(?i)\bpty\b|terminal`},
		{"remote forwarding", append(noTTY(srv.sshArgs(alice)), "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:9"), `forwarding failed`},
		{"sftp", append(noTTY(srv.sshArgs(alice)), "-s"), `subsystem request failed`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"20"}, c.args...)
			if c.name == "sftp" {
				args = append(args, "sftp") // the subsystem's name, after the host
			}
			cmd := exec.Command("timeout", args...)
			cmd.Stdin = strings.NewReader("")
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() == 0 || ee.ExitCode() == 124 {
				t.Fatalf("%s: exit %v (want refused, non-zero, not the timeout's 124):\n%s", c.name, err, out)
			}
			if !regexp.MustCompile(c.want).Match(out) {
				t.Errorf("%s: output lacks %s:\n%s", c.name, c.want, out)
			}
			if strings.Contains(string(out), "goroutine ") || strings.Contains(string(out), "panic") {
				t.Errorf("%s: a stack trace:\n%s", c.name, out)
			}
			if lines := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; lines > 2 {
				t.Errorf("%s: %d lines, want one clear line:\n%s", c.name, lines, out)
			}
			t.Logf("%s: %v: %s", c.name, err, strings.TrimSpace(string(out)))
		})
	}
	if !srv.alive() {
		t.Fatalf("the server stopped:\n%s", srv.log)
	}
}

// TestServeMaxSessions: with --max-sessions 1 and one member in, the next
// connection gets one line saying the server is full and a non-zero exit;
// when the first leaves, the next gets in.
func TestServeMaxSessions(t *testing.T) {
	need(t, "ssh", "ssh-keygen")
	dir := t.TempDir()
	alice, bob := sshKeygen(t, dir, "alice"), sshKeygen(t, dir, "bob")
	srv := startServe(t, []sshKey{alice, bob}, nil, "--max-sessions", "1")
	b, err := os.ReadFile(alice.path)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	first, err := dialBench(srv.addr(), signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.waitText(0, "RED <-> BLUE", 20*time.Second); err != nil {
		first.close()
		t.Fatal(err)
	}
	// BatchMode has no terminal of its own to put in raw mode: stdin is
	// empty, and -tt still asks the server for a PTY.
	cmd := exec.Command("timeout", append([]string{"20"}, srv.sshArgs(bob)...)...)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	first.close()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() == 0 || ee.ExitCode() == 124 {
		t.Fatalf("the second session: exit %v, want refused:\n%s", err, out)
	}
	if !strings.Contains(string(out), "the server is full") {
		t.Errorf("the second session is not told the server is full:\n%s", out)
	}
	srv.waitLog(t, `msg=refused member=bob reason=max-sessions`)
	// The first one gone, bob gets in.
	deadline := time.Now().Add(10 * time.Second)
	for len(childrenOf(srv.cmd.Process.Pid)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	b2, err := os.ReadFile(bob.path)
	if err != nil {
		t.Fatal(err)
	}
	bobSigner, err := gossh.ParsePrivateKey(b2)
	if err != nil {
		t.Fatal(err)
	}
	again, err := dialBench(srv.addr(), bobSigner)
	if err != nil {
		t.Fatal(err)
	}
	defer again.close()
	if _, err := again.waitText(0, "RED <-> BLUE", 20*time.Second); err != nil {
		t.Fatalf("after the first left: %v", err)
	}
}

// TestServeIdleTimeout: a member who presses nothing for --idle-timeout
// is told so in one line and the session ends, its lab with it.
func TestServeIdleTimeout(t *testing.T) {
	need(t, "ssh-keygen")
	alice := sshKeygen(t, t.TempDir(), "alice")
	srv := startServe(t, []sshKey{alice}, nil, "--idle-timeout", "2s")
	b, err := os.ReadFile(alice.path)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := dialBench(srv.addr(), signer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	start := time.Now()
	if _, err := s.waitText(0, "RED <-> BLUE", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	// The picker is the server's while the TUI starts: the TUI, in its
	// sandbox, is up once it asks the terminal for its background.
	if !s.waitRaw("\x1b]11;?", 20*time.Second) {
		t.Fatalf("the TUI never asked for the background:\n%s", tail(s.since(0), 2000))
	}
	tree := serveTree(srv.cmd.Process.Pid)
	if len(tree) < 3 {
		t.Fatalf("no session processes below the server: %v", tree)
	}
	if _, err := s.waitText(0, "session ended, your progress is kept", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("ended after %s, before the 2s idle timeout", d)
	}
	waitGoneProcs(t, tree)
	srv.waitLog(t, `msg="session end" member=alice kind=member duration=\S+ reason=idle-timeout`)
}

// waitGoneProcs waits until none of procs runs (the same processes, not
// reused pids).
func waitGoneProcs(t *testing.T, procs []proc) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []string
		for _, q := range procs {
			if sameProcAlive(q) {
				left = append(left, fmt.Sprintf("%d %s", q.pid, q.cmd))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running:\n%s", strings.Join(left, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
