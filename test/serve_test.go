package test

import (
	"bytes"
	"fmt"
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
	f.cmd = exec.Command(bin, args...)
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
			// Not ours to read (another user's process) or gone: a hook
			// of ours is named by its argv[0] and still checked by it.
			if !strings.HasPrefix(procCmd(pid), "nettutor-") {
				continue
			}
		} else if s := fi.Sys().(*syscall.Stat_t); s.Dev != ws.Dev || s.Ino != ws.Ino {
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

// TestServeStudyGroupOverSSH is issue 14's study group, played with the
// real OpenSSH client in tmux over loopback: two members (alice, bob) and a
// presenter (pat) connect to `nettutor serve`; a stranger's key is
// refused; each member steps through veth in a lab of their own; alice's
// lab shell lists only her lab's namespaces (not the one bob made); bob
// answers the veth exercise wrong, then right; the dashboard shows both
// with their steps and bob's ✓; "follow me" moves alice to the
// presenter's step; alice resumes there after a reconnect; after everyone
// left no lab process is left and the host is as it was.
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

	// Two members open veth and step through it, side by side.
	a := srv.sshPane(t, alice, 120, 40)
	b := srv.sshPane(t, bob, 120, 40)
	for _, s := range []*tmuxSession{a, b} {
		s.waitFor(20*time.Second, "RED <-> BLUE", "q quit")
		s.keys("2")
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

	// bob, in the exercise: a wrong answer (a pair with no addresses) in
	// the exercise's lab shell, with a namespace of his own beside it.
	b.keys("e")
	b.waitFor(20*time.Second, "Exercise:", "veth/connect")
	b.keys("s")
	b.waitFor(15*time.Second, "[lab ")
	b.keys("ip netns add BOBONLY; ip link add veth0 type veth peer name veth1; ip link set veth0 netns RED; ip link set veth1 netns BLUE; ip netns list; echo bob-$((6*7))", "Enter")
	b.waitFor(10*time.Second, "BOBONLY", "bob-42")
	b.keys("exit", "Enter")
	b.waitFor(15*time.Second, "Exercise:")
	b.keys("c")
	scr = b.waitFor(30*time.Second, "✓ a veth pair joins RED and BLUE", "✗ RED has 11.11.11.2/24")
	if strings.Contains(scr, "all checks pass") {
		t.Errorf("bob's wrong answer passed:\n%s", scr)
	}

	// alice's lab shell lists her lab's namespaces, and no one else's.
	a.keys("s")
	a.waitFor(15*time.Second, "[lab ")
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
	b.keys("s")
	b.waitFor(15*time.Second, "[lab ")
	b.keys("ip -n RED addr add 11.11.11.2/24 dev veth0; ip -n RED link set veth0 up; ip -n BLUE addr add 11.11.11.3/24 dev veth1; ip -n BLUE link set veth1 up; echo bob-$((7*7))", "Enter")
	b.waitFor(10*time.Second, "bob-49")
	b.keys("exit", "Enter")
	b.waitFor(15*time.Second, "Exercise:")
	b.keys("c")
	b.waitFor(30*time.Second, "✓ all checks pass")

	// The presenter's dashboard: both members, their steps, bob's ✓.
	p := srv.sshPane(t, pat, 120, 40)
	scr = p.waitFor(20*time.Second, "alice", "bob")
	deadline := time.Now().Add(15 * time.Second)
	for {
		scr = p.screen()
		rowA, rowB := lineWith(scr, "alice"), lineWith(scr, "bob")
		okA := strings.Contains(rowA, "veth") && strings.Contains(rowA, n)
		okB := strings.Contains(rowB, "veth") && strings.Contains(rowB, "✓")
		if okA && okB {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard lacks alice at veth step %s or bob's ✓:\n%s", n, scr)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The presenter's own lesson view: veth to step 3, then back to the
	// dashboard and "follow me".
	const at = 3
	p.keys("l")
	p.waitFor(20*time.Second, "RED <-> BLUE", "q quit")
	p.keys("2")
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
	a.waitFor(15*time.Second, "press F to follow")
	a.keys("F")
	a.waitFor(30*time.Second, fmt.Sprintf("step %d/%s", at, n))

	// alice leaves and comes back: she resumes at the step she followed to,
	// and the server went on.
	closePane(t, a)
	a = srv.sshPane(t, alice, 120, 40)
	scr = a.waitFor(20*time.Second, "q quit")
	if !regexp.MustCompile(fmt.Sprintf(`RED <-> BLUE.*step %d/%s`, at, n)).MatchString(scr) {
		t.Errorf("alice's picker after a reconnect does not show veth at step %d:\n%s", at, scr)
	}
	a.keys("2")
	a.waitFor(30*time.Second, "Topology", fmt.Sprintf("step %d/%s", at, n))

	// Everyone leaves: nothing of a lab is left, the server goes on.
	tree = append(tree, serveTree(serverPid)...)
	for _, s := range []*tmuxSession{a, b, p} {
		closePane(t, s)
	}
	deadline = time.Now().Add(10 * time.Second)
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
	srv.stop()
	compareHost(t, before, serveHostState(t), "after the study group")
	logs := srv.log.String()
	for _, want := range []string{"alice", "bob", "pat"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the server's log never names %s:\n%s", want, logs)
		}
	}
	if d := time.Since(start); d > 90*time.Second {
		t.Errorf("the study group took %s, over the 90s budget", d.Round(time.Second))
	}
	t.Logf("study group over ssh: %s", time.Since(start).Round(100*time.Millisecond))
}
