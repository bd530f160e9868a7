package lessons

// Grading: an exercise's starting state, the folder the learner works in,
// an answer script run in the lab, and the exercise's checks. `nettutor
// check` grades with Grade; the TUI starts an exercise with Start and grades
// the live lab with Exercise.Check, so both show the same CheckResults.

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/confine"
	"github.com/nettutor/nettutor/engine/iptables"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// DefaultAnswerTimeout is how long an answer script may run.
const DefaultAnswerTimeout = 30 * time.Second

// MaxAnswerOutput is how much of an answer's output is kept.
const MaxAnswerOutput = 64 << 10

// Workspace is where one exercise is done inside the lab.
type Workspace struct {
	// Dir is $EXERCISE_DIR as the lab sees it: empty, writable by any uid
	// (mode 1777).
	Dir string
	// Work is a fresh empty folder, the answer's working directory, as the
	// lab sees it; the lab's root owns it.
	Work string
	// HostDir is Dir as the engine reaches it (through the lab's keeper).
	// Checks go through engine/confine's Keeper.Lstat with Dir instead:
	// the lab may have put links in the way.
	HostDir string
	// hostWork is Work as the engine reaches it.
	hostWork string
	// SubIDs is set when /etc/subuid and /etc/subgid read
	// sandbox.SubIDLines, Docker's userns-remap range, in the lab.
	SubIDs bool
	// Note explains what this machine allows when the exercise cannot be
	// done as written here (a rootless lab has no subordinate ids).
	Note string
	// Seed and Fault are the seed and the fault it picked, for an exercise
	// with faults (Fault "" otherwise).
	Seed  uint64
	Fault string
}

// Env is the check environment for this workspace.
func (w *Workspace) Env() *Env { return &Env{ExerciseDir: w.Dir} }

// Environ is the environment of a program the learner runs for the
// exercise: this process's own, with EXERCISE_DIR set and the sbin folders
// on PATH.
func (w *Workspace) Environ() []string {
	cmd := &exec.Cmd{}
	w.Prepare(cmd)
	return cmd.Env
}

// Prepare makes cmd (a lab shell from engine.Lab.Shell, an answer from
// engine.Lab.Job) run in the workspace: EXERCISE_DIR set and the working
// folder as its current folder, both lab paths. The variables cmd already
// sets (NETTUTOR_NS, PS1) are kept; the lab gives its programs PATH, HOME
// and the rest (engine/confine).
func (w *Workspace) Prepare(cmd *exec.Cmd) {
	base := cmd.Env
	if base == nil {
		base = os.Environ()
	}
	env := make([]string, 0, len(base)+2)
	for _, kv := range base {
		if strings.HasPrefix(kv, "EXERCISE_DIR=") || strings.HasPrefix(kv, confine.EnvCwd+"=") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "EXERCISE_DIR="+w.Dir, confine.EnvCwd+"="+w.Work)
}

var workspaceSeq atomic.Int64

// NeedsSubIDs reports whether the exercise needs subordinate uids and gids
// (/etc/subuid, /etc/subgid): those that check who owns a file, or that a
// process runs as a remapped root.
func (e *Exercise) NeedsSubIDs() bool {
	for _, c := range e.Checks {
		if c.Kind == "file_owner" || c.Kind == "contained" && c.Args.NS == "user" {
			return true
		}
	}
	return false
}

// StartWith puts a fresh lab in the exercise's starting state: the setup
// actions, the fault that o picks (troubleshooting exercises), a new
// workspace and, for exercises that need them, subordinate ids in the
// lab's /etc. It must run inside the sandbox.
func (e *Exercise) StartWith(ctx context.Context, lab *engine.Lab, o StartOptions) (*Workspace, []ActionResult, error) {
	if !sandbox.Inside() {
		return nil, nil, errors.New("exercise start: not inside the lab sandbox")
	}
	res, err := e.SetUp(ctx, lab)
	if err != nil {
		return nil, res, err
	}
	fault, err := e.breakLab(ctx, lab, o)
	if err != nil {
		return nil, res, err
	}
	ws, err := newWorkspace(lab)
	if err != nil {
		return nil, res, err
	}
	if fault != nil {
		ws.Seed, ws.Fault = o.Seed, fault.ID
	}
	// The sandbox gave the lab its own /etc/subuid and /etc/subgid (see
	// confine.IDMap.SubIDLines): as root they hold the userns-remap range,
	// rootless with subordinate ids root's own 1..n-1.
	if e.NeedsSubIDs() {
		// Rootless, the lab maps its own 0..n-1 onto the user's subordinate
		// range where there is one, and its /etc/subuid grants root 1..n-1:
		// a real remap works there. Only a lab of one uid cannot remap.
		if sandbox.Rootless() && sandbox.SubIDs() == 0 {
			ws.Note = rootlessSubIDNote()
		} else {
			ws.SubIDs = true
		}
	}
	return ws, res, nil
}

// newWorkspace makes the exercise folders in the lab's own /run, so they
// vanish with the lab, and the working folder belongs to the lab's root.
func newWorkspace(lab *engine.Lab) (*Workspace, error) {
	k := lab.Keeper()
	// An unguessable name: a learner in a live lab cannot have a link
	// waiting there (and the keeper's files resolve inside the lab anyway).
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	rel := fmt.Sprintf("%s/%d-%x", confine.LabWorkDir, workspaceSeq.Add(1), rnd)
	ws := &Workspace{Dir: rel + "/dir", Work: rel + "/work", HostDir: k.Path(rel + "/dir"), hostWork: k.Path(rel + "/work")}
	// Any uid may write, as in /tmp: a remapped root is uid 165536 there.
	if err := k.MkdirAll(ws.Dir, 0o777|os.ModeSticky); err != nil {
		return nil, fmt.Errorf("make exercise folder: %w", err)
	}
	if err := k.MkdirAll(ws.Work, 0o755); err != nil {
		return nil, fmt.Errorf("make exercise folder: %w", err)
	}
	return ws, nil
}

// rootlessSubIDNote says what a rootless lab allows for user namespaces.
func rootlessSubIDNote() string {
	real := "your own uid"
	if b, err := os.ReadFile("/proc/self/uid_map"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			real = "your uid " + f[1]
		}
	}
	return "nettutor runs without root here and your account has no subordinate ids (no line in /etc/subuid), so its lab owns a single uid (" + real + ", which is root inside the lab): " +
		"a new user namespace can only map its root to the lab's root (`unshare --user --map-root-user`), which this exercise counts as not remapped. " +
		"Give your account a range (`sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER`) or run it as root (sudo nettutor ...) to grade a userns-remap answer."
}

// AnswerResult is what an answer script did.
type AnswerResult struct {
	Output    string // stdout and stderr, interleaved, at most MaxAnswerOutput bytes
	Truncated bool   // the output was longer and was cut
	ExitCode  int    // bash's exit status; -1 when killed
	TimedOut  bool   // killed at the time limit
	Duration  time.Duration
	Err       error // the script could not be started
}

// RunAnswer runs the script at path with bash in the lab host namespace, as
// the lab's root, confined (engine/confine), in the workspace's working
// folder with its environment, stdin empty. The script is copied into the
// lab first (at most MaxFileSize bytes), so the answer needs no path of the
// machine's. When bash exits every process it started is killed, and when
// it runs longer than timeout (0: DefaultAnswerTimeout) it is killed with
// all of them: the checks that follow never see a process of the answer.
func RunAnswer(ctx context.Context, lab *engine.Lab, ws *Workspace, path string, timeout time.Duration) AnswerResult {
	if timeout <= 0 {
		timeout = DefaultAnswerTimeout
	}
	start := time.Now()
	script, err := ReadBounded(path, MaxFileSize)
	if err != nil {
		return AnswerResult{ExitCode: -1, Err: err, Duration: time.Since(start)}
	}
	inLab := filepath.Join(filepath.Dir(ws.Work), "answer.sh")
	if err := lab.Keeper().WriteFile(inLab, script, 0o644); err != nil {
		return AnswerResult{ExitCode: -1, Err: fmt.Errorf("copy the answer into the lab: %w", err), Duration: time.Since(start)}
	}
	// Run by the keeper directly; ending the context ends the answer and
	// everything it started, and the status comes only once all of it is
	// gone (engine/confine).
	env := append(os.Environ(), "NETTUTOR_NS="+engine.HostNS, "EXERCISE_DIR="+ws.Dir)
	spec := confine.Spec{Net: lab.LabPath(engine.HostNS), Argv: []string{"bash", inLab}, Dir: ws.Work, Env: env}
	out := &capBuffer{max: MaxAnswerOutput}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ex, err := lab.Keeper().Run(rctx, spec, nil, out, out)
	res := AnswerResult{Duration: time.Since(start), ExitCode: ex.Code}
	res.Output, res.Truncated = out.String()
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		res.TimedOut, res.ExitCode = true, -1
	case errors.Is(err, confine.ErrStart):
		res.Err, res.ExitCode = fmt.Errorf("start bash: %w", err), -1
	case err != nil:
		res.Err, res.ExitCode = err, -1
	case ex.Signal != 0:
		res.ExitCode = -1 // killed, as os/exec reports it
	}
	return res
}

// capBuffer keeps the first max bytes written to it.
type capBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room < len(p) {
		b.over = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	b.buf.Write(p)
	return len(p), nil
}

func (b *capBuffer) String() (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String(), b.over
}

// GradeOptions tune Grade.
type GradeOptions struct {
	Timeout time.Duration // the answer's time limit (0: DefaultAnswerTimeout)
	Lang    string        // language of the checks' descriptions (Env.Lang)
	Seed    uint64        // picks the fault of a troubleshooting exercise
	Fault   string        // that fault instead, by id (tests)
}

// Grade is the outcome of grading one answer.
type Grade struct {
	Exercise string // "veth/connect"
	Answer   string // the script's path
	Setup    []ActionResult
	Run      AnswerResult
	Checks   []CheckResult // one per check, in the exercise's order
	Passed   bool
	Note     string // what this machine allows, when it limits the exercise
	Seed     uint64 // the seed, when the exercise has faults
	Fault    string // the fault the seed picked ("" when the exercise has none)
	Duration time.Duration
}

// crlfNote explains the usual errors of a script saved with Windows line ends.
const crlfNote = "the answer has Windows line ends (CR LF): bash takes each CR as part of the command, " +
	"so `ip link set veth0 up` reads as \"up\\r\" and fails; save it with Unix line ends (dos2unix FILE)."

// Grade grades the answer script at path on lab, which must be fresh: it
// starts the exercise, runs the answer (RunAnswer) and evaluates every
// check with Exercise.Check. Checks run even when the answer failed or
// timed out: they say what state it left. The error is for a lab that could
// not be put in the starting state.
func (e *Exercise) Grade(ctx context.Context, lab *engine.Lab, path string, opts GradeOptions) (*Grade, error) {
	start := time.Now()
	g := &Grade{Exercise: e.FullID(), Answer: path}
	ws, setup, err := e.StartWith(ctx, lab, StartOptions{Seed: opts.Seed, Fault: opts.Fault})
	g.Setup = setup
	if err != nil {
		return g, err
	}
	g.Note, g.Seed, g.Fault = ws.Note, ws.Seed, ws.Fault
	if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte("\r\n")) {
		g.Note = strings.TrimSpace(g.Note + "\n" + crlfNote)
	}
	g.Run = RunAnswer(ctx, lab, ws, path, opts.Timeout)
	env := ws.Env()
	env.Lang = opts.Lang
	g.Checks = e.Check(ctx, lab, env)
	g.Passed = Passed(g.Checks)
	g.Duration = time.Since(start)
	return g, nil
}

// dnatWhy explains, from the NAT rules of the namespace that holds addr's
// address, why a TCP connection to addr (a published port, as `docker run
// -p` makes) failed: no DNAT rule, one in a chain incoming packets never
// cross, one for another port, or where the rule sends the connection and
// what stops it there. refused says whether the connection was refused
// (else it got no answer). "" when the rules say nothing useful.
func dnatWhy(s *engine.Snapshot, addr string, refused bool) string {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	ip, err := netip.ParseAddr(host)
	port, perr := strconv.Atoi(portStr)
	if err != nil || perr != nil || s == nil {
		return ""
	}
	n, _ := owner(s, ip)
	if n == nil {
		return ""
	}
	type dnat struct {
		r    iptables.Rule
		text string
	}
	var all []dnat
	for _, text := range n.Rules {
		words, err := splitWords(text)
		if err != nil {
			continue
		}
		r, err := iptables.Parse(words)
		if err != nil || r.Target != "DNAT" {
			continue
		}
		all = append(all, dnat{r, text})
	}
	if len(all) == 0 {
		return "" // not a published port, or no rule at all: the caller's words say it
	}
	dstMatches := func(r iptables.Rule) bool {
		if r.Dst == "" {
			return true
		}
		p, err := netip.ParsePrefix(r.Dst)
		return err == nil && p.Contains(ip) != r.NotDst
	}
	var forPort []dnat
	for _, d := range all {
		if (d.r.DPort == 0 || d.r.DPort == port) && dstMatches(d.r) {
			forPort = append(forPort, d)
		}
	}
	if len(forPort) == 0 {
		var ports []string
		for _, d := range all {
			ports = append(ports, d.text)
		}
		return assets.C("fault.dnat.none", "ns", n.Name, "addr", addr, "rules", clipJoin(ports, maxListed, "; "))
	}
	var pre *dnat
	for i, d := range forPort {
		if d.r.Chain == "PREROUTING" {
			pre = &forPort[i]
			break
		}
	}
	if pre == nil {
		d := forPort[0]
		return assets.C("fault.dnat.chain", "port", strconv.Itoa(port), "chain", d.r.Chain, "rule", d.text)
	}
	to := pre.r.ToDest
	if !refused && n.Sysctl["net.ipv4.ip_forward"] == "0" {
		return assets.C("fault.dnat.no_forward", "to", to, "ns", n.Name)
	}
	toHost := to
	if h, _, err := net.SplitHostPort(to); err == nil {
		toHost = h
	}
	where := ""
	if a, err := netip.ParseAddr(toHost); err == nil {
		if tn, _ := owner(s, a); tn != nil {
			where = " (" + tn.Name + ")"
		}
	}
	if refused {
		return assets.C("fault.dnat.no_listener", "dest", to+where)
	}
	return assets.C("fault.dnat.no_answer", "dest", to+where)
}
