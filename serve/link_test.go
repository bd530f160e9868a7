package serve

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/serve/link"
	gossh "golang.org/x/crypto/ssh"
)

// TestReadLink: a fake child's reports become its dashboard row; each
// check is logged once, however often the status repeats it; a bad line
// is skipped; the presenter's own view sets the place "follow me" sends.
func TestReadLink(t *testing.T) {
	lg := &syncBuf{}
	s := &Server{hub: newHub()}
	s.log = newLogger(lg)
	srvEnd, child := net.Pipe()
	rec := &member{who: Member{Name: "bob"}, started: time.Now(), send: link.NewWriter(srvEnd).Send}
	s.hub.add(rec)
	done := make(chan struct{})
	go func() { s.readLink(rec, srvEnd); close(done) }()
	w := link.NewWriter(child)
	fail := &link.Check{Exercise: "veth/connect", Failed: "ping", Seq: 1}
	pass := &link.Check{Exercise: "veth/connect", Pass: true, Seq: 2}
	w.Send(link.Msg{Type: link.TypeStatus, Lesson: "veth", Step: 2, Steps: 8, Check: fail})
	w.Send(link.Msg{Type: link.TypeStatus, Lesson: "veth", Step: 2, Steps: 8, Check: fail, Hand: true})
	child.Write([]byte("garbage\n"))
	w.Send(link.Msg{Type: link.TypeStatus, Lesson: "veth", Step: 3, Steps: 8, Check: pass, Passed: []string{"veth:veth/connect"}})
	child.Close()
	<-done
	rows := s.hub.Rows(time.Now())
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	if r.Name != "bob" || r.Lesson != "veth" || r.Step != 3 || r.Steps != 8 || r.Passed != 1 || r.Check == nil || !r.Check.Pass || r.Hand {
		t.Errorf("row %+v", r)
	}
	log := lg.String()
	if n := strings.Count(log, "msg=check"); n != 2 {
		t.Errorf("%d check lines, want 2 (one per check):\n%s", n, log)
	}
	for _, want := range []string{"member=bob exercise=veth/connect result=fail failed=ping", "member=bob exercise=veth/connect result=pass"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if _, ok := s.hub.presenterPlace(); ok {
		t.Error("a member's status became the presenter's place")
	}
	// The presenter's own view: its place is what f sends to members.
	p := &member{who: Member{Name: "pat"}, presenter: true, send: func(link.Msg) error { return nil }}
	s.hub.add(p)
	srvEnd, child = net.Pipe()
	done = make(chan struct{})
	go func() { s.readLink(p, srvEnd); close(done) }()
	link.NewWriter(child).Send(link.Msg{Type: link.TypeStatus, Lesson: "bridge", Step: 5, Steps: 9})
	child.Close()
	<-done
	s.hub.remove(p)
	got := make(chan link.Msg, 1)
	rec.send = func(m link.Msg) error { got <- m; return nil }
	lesson, step, n, ok := serverBoard{s.hub}.Follow()
	if !ok || lesson != "bridge" || step != 5 || n != 1 {
		t.Fatalf("follow after the presenter's view ended: %s %d to %d, %v", lesson, step, n, ok)
	}
	if m := <-got; m.Type != link.TypeFollow || m.Lesson != "bridge" || m.Step != 5 {
		t.Errorf("the member got %+v", m)
	}
	if len(s.hub.Rows(time.Now())) != 1 {
		t.Error("the presenter's view is a row of the dashboard")
	}
}

// TestHostKey: without --host-key an ed25519 key is made under the state
// folder on the first run, private to its owner, and the same key serves
// the next run.
func TestHostKey(t *testing.T) {
	_, la := newKey(t, "alice")
	dir := t.TempDir()
	keys := filepath.Join(dir, "members")
	os.WriteFile(keys, []byte(la), 0o600)
	state := filepath.Join(dir, "state")
	fp := func() string {
		srv, err := New(Config{AuthorizedKeys: keys, StateDir: state, Log: &syncBuf{}})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		b, err := os.ReadFile(filepath.Join(state, "serve_host_ed25519"))
		if err != nil {
			t.Fatal(err)
		}
		k, err := gossh.ParsePrivateKey(b)
		if err != nil {
			t.Fatal(err)
		}
		if k.PublicKey().Type() != gossh.KeyAlgoED25519 {
			t.Errorf("host key type %s", k.PublicKey().Type())
		}
		return gossh.FingerprintSHA256(k.PublicKey())
	}
	first := fp()
	st, err := os.Stat(filepath.Join(state, "serve_host_ed25519"))
	if err != nil || st.Mode().Perm()&0o077 != 0 {
		t.Errorf("host key mode %v, %v: want private to its owner", st.Mode(), err)
	}
	if second := fp(); second != first {
		t.Errorf("the host key changed between runs: %s, then %s", first, second)
	}
}

// TestLangOf: a command of en or ko first, then the client's locale
// variables in the order the C library reads them, then the default.
func TestLangOf(t *testing.T) {
	for _, c := range []struct {
		cmd  []string
		env  []string
		want string
	}{
		{nil, nil, "en"},
		{nil, []string{"LANG=ko_KR.UTF-8"}, "ko"},
		{nil, []string{"LANG=ko_KR.UTF-8", "LC_ALL=C"}, "en"},
		{nil, []string{"LC_MESSAGES=ko_KR.UTF-8", "LANG=en_US.UTF-8"}, "ko"},
		{[]string{"ko"}, []string{"LANG=en_US.UTF-8"}, "ko"},
		{[]string{"en"}, []string{"LANG=ko_KR.UTF-8"}, "en"},
		{nil, []string{"LANG=fr_FR.UTF-8"}, "en"},
	} {
		if got := langOf(c.cmd, c.env, "en"); got != c.want {
			t.Errorf("langOf(%v, %v) = %s, want %s", c.cmd, c.env, got, c.want)
		}
	}
	if got := langOf(nil, nil, "ko"); got != "ko" {
		t.Errorf("the default: %s", got)
	}
}

// TestChildEnv: a child gets the terminal, its own home, the link's fd and
// the lab limits, and nothing else of the server's environment.
func TestChildEnv(t *testing.T) {
	t.Setenv("NETTUTOR_TEST_SECRET", "server-only")
	t.Setenv("GOGC", "50")
	s := &Server{cfg: Config{ChildEnv: []string{"NETTUTOR_LIMITS=64,536870912,60"}}}
	env := s.childEnv(childSpec{term: "xterm-256color", env: []string{"COLORTERM=truecolor", "LANG=ko_KR.UTF-8", "SECRET=client"}}, "/state/serve/fp")
	has := func(kv string) bool {
		for _, e := range env {
			if e == kv {
				return true
			}
		}
		return false
	}
	for _, want := range []string{"TERM=xterm-256color", "HOME=/state/serve/fp", "XDG_STATE_HOME=/state/serve/fp", "LANG=C.UTF-8",
		link.EnvFD + "=3", "NETTUTOR_REPORT_FD=3", "COLORTERM=truecolor", "NETTUTOR_LIMITS=64,536870912,60", "GOGC=50",
		link.EnvSpareWhenIdle + "=1", "GOMAXPROCS=1"} {
		if !has(want) {
			t.Errorf("env lacks %s: %q", want, env)
		}
	}
	for _, e := range env {
		if strings.Contains(e, "server-only") || strings.HasPrefix(e, "SECRET=") || e == "LANG=ko_KR.UTF-8" {
			t.Errorf("env has %s", e)
		}
	}
}
