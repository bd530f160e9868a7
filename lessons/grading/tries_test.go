package grading

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestTries: a failure is remembered until the same answer passes, a
// broken file counts as none, and the file keeps at most maxTries answers.
func TestTries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nettutor", "check-tries.json")
	k := triesKey("troubleshoot/bridge", "kim.sh", 7)
	if failedBefore(path, k) {
		t.Fatal("failed before any try")
	}
	if err := recordTry(path, k, true); err != nil {
		t.Fatal(err)
	}
	if !failedBefore(path, k) || failedBefore(path, triesKey("troubleshoot/bridge", "kim.sh", 8)) {
		t.Error("the failure is not remembered for its seed only")
	}
	if err := recordTry(path, k, false); err != nil {
		t.Fatal(err)
	}
	if failedBefore(path, k) {
		t.Error("a pass did not clear the failure")
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if failedBefore(path, k) {
		t.Error("a broken file counts as a failure")
	}
	for i := 0; i < maxTries+10; i++ {
		if err := recordTry(path, fmt.Sprint(i), true); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(readTries(path).Failed); n != maxTries || failedBefore(path, "0") || !failedBefore(path, fmt.Sprint(maxTries+9)) {
		t.Errorf("%d entries kept, oldest gone: %v", n, !failedBefore(path, "0"))
	}
}
