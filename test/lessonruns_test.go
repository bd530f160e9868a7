package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// lessonRun is one `nettutor run L --plain --lang LANG --state-json FILE`
// of a built-in lesson: its transcript, its error and the snapshot file.
type lessonRun struct {
	once  sync.Once
	out   string
	err   error
	state string
}

var (
	lessonRunsMu sync.Mutex
	lessonRuns   = map[string]*lessonRun{}
)

// plainRun runs built-in lesson id once in lang for every test of the
// package that needs that run: TestEveryLessonRunsInBothLanguages reads
// its transcript, TestExportRoundTrip its final snapshot (en), the Service
// journey tests the service and loadbalancer transcripts. Each used to run
// the lesson itself; --state-json adds nothing to the transcript (it only
// writes the file), so one run shows what they all hold. The file lives
// in the package's scratch folder until TestMain removes it.
func plainRun(t *testing.T, id, lang string) (out, state string, err error) {
	t.Helper()
	lessonRunsMu.Lock()
	r := lessonRuns[id+"/"+lang]
	if r == nil {
		r = &lessonRun{}
		lessonRuns[id+"/"+lang] = r
	}
	lessonRunsMu.Unlock()
	r.once.Do(func() {
		dir, derr := os.MkdirTemp(scratch, "run-"+id+"-"+lang+"-")
		if derr != nil {
			r.err = derr
			return
		}
		os.Chmod(dir, 0o755)
		r.state = filepath.Join(dir, "engine.json")
		b, rerr := exec.Command(bin, "run", id, "--plain", "--lang", lang, "--state-json", r.state).CombinedOutput()
		r.out, r.err = string(b), rerr
	})
	return r.out, r.state, r.err
}

// enRunWithState is plainRun in English.
func enRunWithState(t *testing.T, id string) (out, state string, err error) {
	t.Helper()
	return plainRun(t, id, "en")
}
