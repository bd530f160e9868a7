package lessons

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// sandboxErr is why lab tests cannot run here (nil inside the sandbox).
var sandboxErr error

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	// Fuzzing (go test -fuzz) runs worker processes that the sandbox's
	// re-exec would cut off from the coordinator; it needs no lab.
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.fuzz") {
			sandboxErr = errors.New("fuzzing")
			os.Exit(m.Run())
		}
	}
	// Loader tests need no sandbox: run them anyway when there is none.
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "FAIL: CI=true and the lab sandbox is unavailable")
			os.Exit(1)
		}
		sandboxErr = err
	}
	os.Exit(m.Run())
}

// newLab gives a test a fresh lab, or skips it where no sandbox exists.
func newLab(t testing.TB) *engine.Lab {
	t.Helper()
	if sandboxErr != nil {
		t.Skipf("no lab sandbox: %v", sandboxErr)
	}
	l, err := engine.New()
	if err != nil {
		t.Fatalf("new lab: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
