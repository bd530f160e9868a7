package confine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestPlantedPrlimitIsNotRun: a lab program writes a prlimit(1) of its own
// into a folder of the invoker's PATH that the lab can write (/root is the
// lab's own tmpfs), one that runs the program without any limit. That
// folder is not on a lab program's PATH (withSbin), and every later
// program, through the spawn client as through Run, still gets the lab's
// limits: the limits' prlimit is the system's, never one found on PATH.
func TestPlantedPrlimitIsNotRun(t *testing.T) {
	t.Setenv("PATH", "/root/bin:"+os.Getenv("PATH"))
	k := startKeeper(t)
	pinHost(t, k)
	const plant = `mkdir -p /root/bin && ` +
		`printf '#!/bin/sh\nwhile [ "$1" != -- ]; do shift; done; shift; echo planted; exec "$@"\n' > /root/bin/prlimit && ` +
		`chmod 755 /root/bin/prlimit && command -v prlimit`
	out, err := run(t, k, plant)
	if err != nil {
		t.Fatalf("plant: %v: %s", err, out)
	}
	if got := strings.TrimSpace(out); got == "/root/bin/prlimit" || !strings.HasPrefix(got, "/") {
		t.Errorf("a lab program finds prlimit at %q: the lab's writable /root/bin is on its PATH", got)
	}
	want := fmt.Sprintf("%d\n%d\n0", Current.Pids, int64(Current.CPUTime.Seconds()))
	const show = "ulimit -u; ulimit -t; ulimit -c"
	out, err = run(t, k, show)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := strings.TrimSpace(out); got != want {
		t.Errorf("through the spawn client, the limits are\n%s\nwant\n%s", got, want)
	}
	var buf bytes.Buffer
	spec := Spec{Net: LabHostPin, Argv: []string{"bash", "-c", show}, Persist: true, Env: os.Environ()}
	ex, err := k.Run(context.Background(), spec, nil, &buf, &buf)
	if err != nil || ex.Code != 0 {
		t.Fatalf("run: %v, exit %d: %s", err, ex.Code, buf.String())
	}
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("through Run, the limits are\n%s\nwant\n%s", got, want)
	}
}
