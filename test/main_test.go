// Package test holds end-to-end tests of the nettutor binary: it is built
// once, then run as a learner or a grader would run it.
package test

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/nettutor/nettutor/engine/testkit"
)

// bin is the nettutor binary under test; scratch is the package's own
// folder (the shared lesson runs' files), removed when its tests end.
var bin, scratch string

func TestMain(m *testing.M) {
	// Built once for every package of the run that runs the binary
	// (engine/testkit.NettutorBinary), not once by each.
	var err error
	if bin, err = testkit.NettutorBinary(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if scratch, err = os.MkdirTemp("", "nettutor-e2e"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = os.Chmod(scratch, 0o755) // the plain user's runs read it too
	code := m.Run()
	os.RemoveAll(scratch)
	os.Exit(code)
}

// needRoot skips a test that reads the whole host state, except under
// CI=true where it must run.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: this test must run as root")
		}
		t.Skip("needs root")
	}
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true: %s is not installed", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}
