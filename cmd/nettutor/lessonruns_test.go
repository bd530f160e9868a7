package main

import (
	"os"
	"sync"
	"testing"
)

// sharedRun is one `nettutor run L --plain --lang ko --pcap DIR` of a
// built-in lesson: its transcript and the folder of its pcap files.
type sharedRun struct {
	once  sync.Once
	done  bool
	r     cliResult
	pcaps string
}

var (
	sharedRunsMu sync.Mutex
	sharedRuns   = map[string]*sharedRun{}
)

// koRunWithPcaps runs built-in lesson id once for every test of the package
// that runs each lesson whole: TestRunKoreanEveryLesson reads its Korean
// transcript, TestRunPcapHoldsOnlyTheLearnersPings its pcap files. Each
// used to run the lesson itself (one in Korean, one with --pcap); a pcap
// holds the same packets in either language, and --pcap adds to the
// transcript only its one line saying where the files went (localised, so
// it is held to the Korean transcript's checks too). Whichever test comes
// first runs the lesson; the other reads the same result. The pcap folder
// lives until the package's tests end (TestMain removes binDir).
func koRunWithPcaps(t *testing.T, id string) (cliResult, string) {
	t.Helper()
	sharedRunsMu.Lock()
	s := sharedRuns[id]
	if s == nil {
		s = &sharedRun{}
		sharedRuns[id] = s
	}
	sharedRunsMu.Unlock()
	s.once.Do(func() {
		dir, err := os.MkdirTemp(binDir, "run-"+id+"-")
		if err != nil {
			t.Fatal(err)
		}
		s.r = runCLI(t, nil, "run", id, "--plain", "--lang", "ko", "--pcap", dir)
		s.pcaps = dir
		s.done = true
	})
	if !s.done {
		t.Fatalf("the shared run of %s did not complete (see the test that ran it)", id)
	}
	return s.r, s.pcaps
}
