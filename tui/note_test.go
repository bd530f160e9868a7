package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
)

// TestNoteKeyRealLab runs three steps of veth on a real lab, presses the
// note key and reads the file the status line names: those three steps,
// each with its commands and a topology diagram, and none of the steps not
// yet run.
func TestNoteKeyRealLab(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	les, err := lessons.Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	m := New(NewLabBackend(lab), Options{Lang: "en", ProgressPath: "-"})
	tm := newFlow(t, m, 200, 48)
	waitOut(t, tm, 5*time.Second, les.Title.Get("en"))
	tm.Type("/veth")
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("enter"))
	n := len(les.Steps)
	waitOut(t, tm, 10*time.Second, fmt.Sprintf("step 0/%d", n))
	for i := 1; i <= 3; i++ {
		tm.Type("n")
		waitOut(t, tm, 20*time.Second, fmt.Sprintf("step %d done", i))
	}
	tm.Type("m")
	waitOut(t, tm, 10*time.Second, "study note →")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	files, _ := filepath.Glob(filepath.Join(dir, "nettutor-veth-*.md"))
	if len(files) != 1 {
		t.Fatalf("note files in %s: %v, want one", dir, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 1; i <= 3; i++ {
		if !strings.Contains(s, fmt.Sprintf("## Step %d/%d: %s", i, n, les.Steps[i-1].Title.Get("en"))) {
			t.Errorf("note lacks step %d:\n%s", i, s)
		}
	}
	if strings.Contains(s, fmt.Sprintf("## Step 4/%d", n)) {
		t.Errorf("note has step 4, which was not run:\n%s", s)
	}
	if got := strings.Count(s, "```mermaid\nflowchart"); got != 3 {
		t.Errorf("%d topology diagrams, want 3", got)
	}
	for _, c := range []string{"ip netns add RED", "ip link add veth0 type veth peer name veth1", "ip link set veth0 netns RED"} {
		if !strings.Contains(s, c) {
			t.Errorf("note lacks the command %q", c)
		}
	}
}
