package lessons

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/confine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// labSh runs a shell script in the lab host namespace, as the lab's root,
// outside any lesson: the test's own look at what a step left behind.
func labSh(t *testing.T, lab *engine.Lab, script string) string {
	t.Helper()
	res, err := engine.Run{Shell: script}.Apply(context.Background(), lab)
	if err != nil {
		t.Fatalf("lab: %s: %v\n%s", script, err, res.Output)
	}
	return res.Output
}

// lastOutput is the output of a step's last action.
func lastOutput(r *StepResult) string { return r.Actions[len(r.Actions)-1].Output }

// TestContainersLesson runs the containers lesson on a real lab (as root
// and, in CI, rootless) and holds each of its statements against what the
// lab and the kernel report on their own, not only against what the
// lesson's commands print.
func TestContainersLesson(t *testing.T) {
	lab := newLab(t)
	res := runLessonTo(t, lab, "containers", "rlimit")

	t.Run("one kernel", func(t *testing.T) {
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			t.Fatal(err)
		}
		release := unix.ByteSliceToString(u.Release[:])
		out := lastOutput(res["kernel"])
		if !strings.Contains(out, "lab host:  "+release+"\n") || !strings.Contains(out, "container: "+release+" on box, PID 1") {
			t.Errorf("kernel step: want the test's own release %s on both sides, as PID 1 on box:\n%s", release, out)
		}
	})

	t.Run("overlay write lands in upper", func(t *testing.T) {
		// Read by a fresh lab process: no overlay is mounted any more, so
		// these are the layers' own directories.
		got := labSh(t, lab, `cat /tmp/ov/upper/new.txt /tmp/ov/upper/app.conf /tmp/ov/lower/app.conf; ls /tmp/ov/lower | tr '\n' ' '`)
		if want := "hello\nv2\nv1\napp.conf old.log "; got != want {
			t.Errorf("layers after the step: %q, want %q", got, want)
		}
		if _, err := lab.Keeper().Lstat("/tmp/ov/upper/new.txt"); err != nil {
			t.Errorf("new.txt is not in upper: %v", err)
		}
		st, err := lab.Keeper().Lstat("/tmp/ov/upper/old.log")
		if err != nil {
			t.Fatalf("no whiteout for old.log in upper: %v", err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
			t.Errorf("upper/old.log: mode %o rdev %d, want a character device 0,0 (a whiteout)", st.Mode, st.Rdev)
		}
	})

	t.Run("docker group bind of / writes the real /root", func(t *testing.T) {
		if got := labSh(t, lab, "cat /root/from-the-container"); got != "planted" {
			t.Errorf("/root/from-the-container holds %q, want planted", got)
		}
	})

	t.Run("chroot shares the lab's namespaces and links", func(t *testing.T) {
		out := lastOutput(res["chroot"])
		nsLine := regexp.MustCompile(`(?m)^outside: +(net:\[\d+\] pid:\[\d+\])$`).FindStringSubmatch(out)
		if nsLine == nil || !strings.Contains(out, "in chroot: "+nsLine[1]) {
			t.Errorf("the chroot's net and pid namespaces should be the lab host's:\n%s", out)
		}
		s, err := lab.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		host := s.NS(engine.HostNS)
		if host == nil || len(host.Links) < 2 {
			t.Fatalf("lab host links: %+v", host)
		}
		for _, l := range host.Links {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(l.Name) + `\s`).MatchString(out) {
				t.Errorf("ip -br link in the chroot does not list the lab's %s:\n%s", l.Name, out)
			}
		}
		// ps in the chroot sees the shell outside it: more than itself.
		if n := strings.Count(out, " sh\n"); n < 2 {
			t.Errorf("ps in the chroot lists %d shells, want the outer ones too:\n%s", n, out)
		}
	})

	t.Run("escape and pivot_root", func(t *testing.T) {
		lab := labSh(t, lab, `ls / | tr '\n' ' '`)
		esc := lastOutput(res["chroot-escape"])
		if want := "/ now holds: " + strings.TrimSpace(lab); !strings.Contains(esc, want) {
			t.Errorf("the escape should list the lab's own / (%s):\n%s", lab, esc)
		}
		piv := lastOutput(res["pivot-root"])
		if !strings.Contains(piv, "mounts left: / /usr /proc \n") {
			t.Errorf("after pivot_root and umount the namespace should hold /, /usr and /proc:\n%s", piv)
		}
		if strings.Contains(piv, " tmp") || !strings.Contains(piv, "/ now holds: bin dev escape.pl lib lib64 proc sbin usr x") {
			t.Errorf("after pivot_root the escape must stay in the jail:\n%s", piv)
		}
	})

	t.Run("pids limit where delegated", func(t *testing.T) {
		out := lastOutput(res["cgroup-limit"])
		// The test's own look at the lab's cgroup v2 tree, to hold the
		// branch the step took.
		probe := labSh(t, lab, `unshare --mount --cgroup sh -c 'mount -t cgroup2 none /sys/fs/cgroup || exit 0
cd /sys/fs/cgroup; echo "controllers: $(cat cgroup.controllers)"
if mkdir probe 2>/dev/null; then rmdir probe; echo mkdir ok; else echo mkdir refused; fi'`)
		switch {
		case strings.Contains(out, "pids.max 3 held"):
			if !strings.Contains(out, "two sleeps started") || strings.Contains(out, "never printed") || !regexp.MustCompile(`max [1-9]`).MatchString(out) {
				t.Errorf("delegated: the third sleep must be refused and counted in pids.events:\n%s", out)
			}
		case strings.Contains(out, "pids is not a cgroup v2 controller"):
			if m := regexp.MustCompile(`controllers: (.*)`).FindStringSubmatch(probe); m == nil || strings.Contains(" "+m[1]+" ", " pids ") {
				t.Errorf("the step says pids is not on v2, the lab says %q", probe)
			}
		case strings.Contains(out, "is not delegated"):
			if !strings.Contains(probe, "mkdir refused") {
				t.Errorf("the step says no delegation, but the lab made a child cgroup: %q", probe)
			}
		case strings.Contains(out, "enabling pids for a child failed"), strings.Contains(out, "cannot be mounted"):
		default:
			t.Errorf("the cgroup step neither held a limit nor said why not:\n%s", out)
		}
		// As root on a machine with a v1 pids hierarchy, nettutor limits
		// the lab there itself: the step shows the limit nettutor wrote.
		if m := regexp.MustCompile(`pids\.max (\d+), pids\.current (\d+)`).FindStringSubmatch(out); m != nil {
			if sandbox.Rootless() {
				t.Errorf("a rootless lab has no v1 pids group of nettutor's: %s", m[0])
			}
			if m[1] != strconv.Itoa(confine.Current.Pids) {
				t.Errorf("the lab's pids.max is %s, nettutor's limit is %d", m[1], confine.Current.Pids)
			}
		}
	})

	t.Run("RLIMIT_NPROC refuses the fourth sleep", func(t *testing.T) {
		out := lastOutput(res["rlimit"])
		if strings.Count(out, " sleep\n") != 2 || !strings.Contains(out, "3 sleeps running") ||
			strings.Contains(out, "4 sleeps running") || !strings.Contains(out, "Cannot fork") || !strings.HasSuffix(out, "exit status 2") {
			t.Errorf("rlimit step:\n%s", out)
		}
	})
}

// TestContainedCheckAgainstProc holds the contained check to /proc on its
// own: a launcher that runs its command untouched fails every kind with
// "the lab host's", the isolation/box solution passes them, and the check
// leaves no process behind.
func TestContainedCheckAgainstProc(t *testing.T) {
	lab := newLab(t)
	_, ex, err := FindExercise("isolation/box")
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := ex.Start(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	env := ws.Env()
	write := func(body string) {
		if err := lab.Keeper().WriteFile(ws.Dir+"/box", []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("exec \"$@\"\n")
	for _, ns := range []string{"uts", "pid", "net", "mnt"} {
		r := EvaluateOne(context.Background(), lab, mustAssertion(t, `contained: {path: "$EXERCISE_DIR/box", ns: `+ns+`}`), env)
		if r.OK || !strings.Contains(r.Detail, "lab host's") {
			t.Errorf("plain exec, %s: ok %v, detail %q", ns, r.OK, r.Detail)
		}
	}
	// The same fault in Korean, description and detail alike.
	ko := *env
	ko.Lang = "ko"
	r := EvaluateOne(context.Background(), lab, ex.Checks[1], &ko)
	if r.OK || !strings.Contains(r.Detail, "랩 호스트의 pid 네임스페이스") || !strings.Contains(r.Desc, "PID 1인지") {
		t.Errorf("ko: ok %v, desc %q, detail %q", r.OK, r.Desc, r.Detail)
	}
	write(`exec unshare --uts --net --pid --fork --mount-proc sh -c 'hostname box; ip link set lo up; exec "$@"' box "$@"` + "\n")
	for _, c := range ex.Checks {
		if r := EvaluateOne(context.Background(), lab, c, env); !r.OK {
			t.Errorf("%s: %s", c.ID, r.Detail)
		}
	}
	if p := findSleepPrefix("86400."); p != 0 {
		t.Errorf("a grader's sleep is still running: pid %d", p)
	}
}

// findSleepPrefix is the pid of a `sleep ARG` whose ARG starts with prefix.
func findSleepPrefix(prefix string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.HasPrefix(string(b), "sleep\x00"+prefix) {
			return pid
		}
	}
	return 0
}

// TestContainedHintsBlameTheLauncher: when the launcher is missing or its
// command dies before it can be read, every check blames the launcher (its
// cause and hint, with the learner's path in it), not a namespace; a
// namespace at fault keeps the check's own hint.
func TestContainedHintsBlameTheLauncher(t *testing.T) {
	_, ex, err := FindExercise("isolation/box")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file, cause, hint string
	}{
		{"bad-no-fork.sh", CauseLauncherEnded, "without `--fork`"},
		{"bad-no-launcher.sh", CauseNoLauncher, "There is no launcher at `$EXERCISE_DIR/box`"},
	} {
		g := gradeFile(t, ex, "testdata/answers/isolation-box/"+tc.file, 20*time.Second)
		for _, c := range g.Checks {
			if c.OK || c.Cause != tc.cause || !strings.Contains(c.Hint.Get("en"), tc.hint) || c.Hint["ko"] == "" {
				t.Errorf("%s, check %s: ok %v, cause %q, hint %q; want cause %s and a hint with %q", tc.file, c.ID, c.OK, c.Cause, c.Hint.Get("en"), tc.cause, tc.hint)
			}
		}
	}
	g := gradeFile(t, ex, "testdata/answers/isolation-box/bad-lo-down.sh", 20*time.Second)
	for _, c := range g.Checks {
		if c.ID == "network" && (c.OK || c.Cause != "" || !strings.Contains(c.Hint.Get("en"), "starts DOWN")) {
			t.Errorf("lo down: ok %v, cause %q, hint %q", c.OK, c.Cause, c.Hint.Get("en"))
		}
	}
}
