package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// enRun is one `nettutor run L --plain --lang en --state-json FILE` of a
// built-in lesson: its transcript, its error and the snapshot file.
type enRun struct {
	once  sync.Once
	out   string
	err   error
	state string
}

var (
	enRunsMu sync.Mutex
	enRuns   = map[string]*enRun{}
)

// enRunWithState runs built-in lesson id once in English for every test of
// the package that needs that run: TestEveryLessonRunsInBothLanguages
// reads its transcript, TestExportRoundTrip its final snapshot. Each used
// to run the lesson itself; --state-json adds nothing to the transcript
// (it only writes the file), so one run shows both what they hold. The
// file lives in the package's scratch folder until TestMain removes it.
func enRunWithState(t *testing.T, id string) (out, state string, err error) {
	t.Helper()
	enRunsMu.Lock()
	r := enRuns[id]
	if r == nil {
		r = &enRun{}
		enRuns[id] = r
	}
	enRunsMu.Unlock()
	r.once.Do(func() {
		dir, derr := os.MkdirTemp(scratch, "run-"+id+"-")
		if derr != nil {
			r.err = derr
			return
		}
		os.Chmod(dir, 0o755)
		r.state = filepath.Join(dir, "engine.json")
		b, rerr := exec.Command(bin, "run", id, "--plain", "--lang", "en", "--state-json", r.state).CombinedOutput()
		r.out, r.err = string(b), rerr
	})
	return r.out, r.state, r.err
}
