package lessons

// Attacks on the contained check (issue 19): a launcher that hunts for the
// grader's reference, a process planted elsewhere in the lab to stand in
// for the launcher's command, and a lab that makes a check's detail huge.
// Run as root and rootless (.ci/run's rootless list has lessons). Every
// payload is harmless: sleeps, a hostname and links inside the lab.

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/confine"
)

// forgedReference is the launcher of the forgery in issue 19: it looks for
// every `sleep 86400.*` it can see besides its own command (once, the
// grader's reference, started beside it), notes them in $EXERCISE_DIR/seen,
// kills them and starts a look-alike in fresh namespaces, then runs its
// own command in the lab host's UTS and network namespaces.
const forgedReference = `ref=
for p in /proc/[0-9]*; do
	a=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
	case "$a" in
	"sleep 86400."*) [ "$a" = "sleep $2 " ] || { ref=${a#sleep }; ref=${ref% }; echo "$ref" >> "$EXERCISE_DIR/seen"; kill "${p#/proc/}"; } ;;
	esac
done
if [ -n "$ref" ]; then
	unshare --uts --net --pid --fork --mount-proc sh -c 'hostname look-alike; ip link set lo up; exec sleep "$1"' sh "$ref" &
	sleep 0.3
fi
echo "$2" >> "$EXERCISE_DIR/own"
exec unshare --pid --fork --mount-proc "$@"
`

// boxLab starts isolation/box on a fresh lab, with the launcher body at
// $EXERCISE_DIR/box.
func boxLab(t *testing.T, launcher string) (*engine.Lab, *Exercise, *Workspace) {
	t.Helper()
	lab := newLab(t)
	_, ex, err := FindExercise("isolation/box")
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := ex.Start(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	if err := lab.Keeper().WriteFile(ws.Dir+"/box", []byte(launcher), 0o755); err != nil {
		t.Fatal(err)
	}
	return lab, ex, ws
}

// TestHostileContainedForgedReference: the forgery of issue 19 now fails
// the hostname and network checks, each blaming the lab host's namespace,
// because there is no reference process for it to find: the launcher saw
// no grader sleep besides its own command (the control: it did run, once
// per check). The honest launcher on the same lab passes every check.
func TestHostileContainedForgedReference(t *testing.T) {
	lab, ex, ws := boxLab(t, forgedReference)
	env := ws.Env()
	byID := map[string]CheckResult{}
	for _, c := range ex.Checks {
		byID[c.ID] = EvaluateOne(context.Background(), lab, c, env)
	}
	for _, id := range []string{"hostname", "network"} {
		if r := byID[id]; r.OK || !strings.Contains(r.Detail, "lab host's") {
			t.Errorf("HOLE: forged reference, %s: ok %v, detail %q", id, r.OK, r.Detail)
		}
	}
	own, err := readLabFile(lab, ws.Dir+"/own", 4096)
	if err != nil || strings.Count(own, "\n") != len(ex.Checks) {
		t.Errorf("the forger ran %q (%v), want once per check (%d)", own, err, len(ex.Checks))
	}
	if seen, err := readLabFile(lab, ws.Dir+"/seen", 4096); err == nil {
		t.Errorf("HOLE: the launcher saw a grader sleep besides its own command: %q", seen)
	}

	honest := `exec unshare --uts --net --pid --fork --mount-proc sh -c 'hostname box; ip link set lo up; exec "$@"' box "$@"` + "\n"
	if err := lab.Keeper().WriteFile(ws.Dir+"/box", []byte(honest), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range ex.Checks {
		if r := EvaluateOne(context.Background(), lab, c, env); !r.OK {
			t.Errorf("honest launcher, %s: %s", c.ID, r.Detail)
		}
	}
}

// TestHostileContainedPlanted: a process elsewhere in the lab (a program
// of another spawn, as a second lab shell would be) waits for the argument
// the launcher hands on, and starts `sleep ARG` in fresh namespaces with
// its own hostname, while the launcher runs something else. Only a process
// that descends from the launcher counts: the check blames the launcher
// for never starting its command. The control: the planted sleep ran.
func TestHostileContainedPlanted(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	const plant = `: > /tmp/ready
while [ ! -s /tmp/arg ]; do sleep 0.05; done
echo started > /tmp/planted
exec unshare --uts --net --pid --fork --mount-proc sh -c 'hostname planted; ip link set lo up; exec sleep "$(cat /tmp/arg)"'
`
	lab, _, ws := boxLab(t, `echo "$2" > /tmp/arg; exec sleep 3600`+"\n")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		spec := confine.Spec{Net: lab.LabPath(engine.HostNS), Argv: []string{"bash", "-c", plant}}
		_, _ = lab.Keeper().Run(ctx, spec, nil, nil, nil)
	}()
	defer func() { cancel(); <-done }()
	// The planter waits before the check starts.
	for i := 0; strings.TrimSpace(labSh(t, lab, "test -e /tmp/ready && echo ready || true")) != "ready"; i++ {
		if i == 100 {
			t.Fatal("the planter did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := EvaluateOne(context.Background(), lab, mustAssertion(t, `contained: {path: "$EXERCISE_DIR/box", ns: uts}`), ws.Env())
	if r.OK || !strings.Contains(r.Detail, "did not start the command") {
		t.Errorf("HOLE: a planted process stood in for the launcher's command: ok %v, detail %q", r.OK, r.Detail)
	}
	if got := labSh(t, lab, "cat /tmp/planted"); strings.TrimSpace(got) != "started" {
		t.Errorf("control: the planted sleep did not start (%q)", got)
	}
}

// TestCheckDetailBounded: a lab with hundreds of links makes a failed
// check name the first few and count the rest, not list them all (issue
// 19: 8000 links made a 170 KB line); any detail is cut at maxDetail.
func TestCheckDetailBounded(t *testing.T) {
	lab := newLab(t)
	labSh(t, lab, `for i in $(seq 1 300); do echo "link add d$i type bridge"; done | ip -batch -`)
	r := EvaluateOne(context.Background(), lab, mustAssertion(t, `link: {ns: host, name: nothere}`), &Env{})
	if r.OK || !strings.Contains(r.Detail, "and 281 more") || len(r.Detail) > 400 {
		t.Errorf("detail of %d bytes: %q", len(r.Detail), r.Detail)
	}
	ko := EvaluateOne(context.Background(), lab, mustAssertion(t, `link: {ns: host, name: nothere}`), &Env{Lang: "ko"})
	if !strings.Contains(ko.Detail, "외 281개") {
		t.Errorf("ko detail: %q", ko.Detail)
	}
	long := clipDetail(strings.Repeat("가", maxDetail))
	if len(long) > maxDetail+len("…") || !strings.HasSuffix(long, "…") || !strings.HasPrefix(long, "가") {
		t.Errorf("clipDetail: %d bytes, ends %q", len(long), long[len(long)-6:])
	}
	if got := clipList([]string{"a", "b", "c"}, 3); got != "a, b, c" {
		t.Errorf("clipList of a short list: %q", got)
	}
}

// TestHostileContainedPathBash: the invoker's PATH may name a folder the
// answer can write to (here /root/bin, first). A `bash` planted there is
// never the grader's shell, whose namespaces are read before the launcher
// runs (the grader names /bin/bash), nor the bash of a later lab program
// that asks for it by name: a lab program's PATH keeps only the read-only
// system folders (confine.withSbin).
func TestHostileContainedPathBash(t *testing.T) {
	t.Setenv("PATH", "/root/bin:"+os.Getenv("PATH"))
	lab, ex, ws := boxLab(t, `exec unshare --uts --net --pid --fork --mount-proc sh -c 'hostname box; ip link set lo up; exec "$@"' box "$@"`+"\n")
	labSh(t, lab, `mkdir -p /root/bin && printf '#!/bin/sh\necho planted >> /tmp/bash-ran\nexec /bin/bash "$@"\n' > /root/bin/bash && chmod 755 /root/bin/bash`)
	for _, c := range ex.Checks {
		if r := EvaluateOne(context.Background(), lab, c, ws.Env()); !r.OK {
			t.Errorf("%s: %s", c.ID, r.Detail)
		}
	}
	if got := labSh(t, lab, "cat /tmp/bash-ran 2>/dev/null; true"); got != "" {
		t.Errorf("HOLE: the grader ran the planted bash (%q)", got)
	}
	spec := confine.Spec{Net: lab.LabPath(engine.HostNS), Argv: []string{"bash", "-c", "true"}, Env: os.Environ()}
	if _, err := lab.Keeper().Run(context.Background(), spec, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := labSh(t, lab, "cat /tmp/bash-ran 2>/dev/null; true"); got != "" {
		t.Errorf("HOLE: a lab program that asked for bash by name ran the planted one (%q)", got)
	}
}
