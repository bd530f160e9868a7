package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBadInputOneLine holds the bad input of issue 12 to one line each,
// with exit 2 and, where no file position leads the line, the nettutor
// prefix.
func TestBadInputOneLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("id: bad\ntitle: {en: B}\nsummary: {en: S}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n      - veht: {name: a, peer: b}\n      - link_up: {ns: RED, name: a}\n      - link_up: {ns: RED, name: a}\n"), 0o644)
	one := filepath.Join(dir, "one.yaml")
	os.WriteFile(one, []byte("id: one\ntitle: {en: B}\nsummary: {en: S}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n      - veht: {name: a, peer: b}\n"), 0o644)

	// The TUI over a broken file: the first error as file:line:col, and
	// how many more, on the same line.
	r := runCLI(t, nil, bad)
	badInputLine(t, r, bad+`:8:9: unknown action "veht" (did you mean "veth"?) (and 2 more; see nettutor lint `+bad+")")
	if !strings.HasPrefix(r.stderr, bad+":8:9: ") {
		t.Errorf("the position does not lead the line: %q", r.stderr)
	}
	r = runCLI(t, nil, one)
	badInputLine(t, r, one+`:8:9: unknown action "veht"`)
	if strings.Contains(r.stderr, "more") {
		t.Errorf("one error, yet a count of more: %q", r.stderr)
	}
	for _, args := range [][]string{{"run", bad}, {"export", bad}} {
		badInputLine(t, runCLI(t, nil, args...), "nettutor "+args[0]+": "+bad+":8:9: unknown action \"veht\" (did you mean \"veth\"?) (and 2 more; see nettutor lint "+bad+")")
	}

	r = runCLI(t, nil, "/nonexistent.yaml")
	badInputLine(t, r, "/nonexistent.yaml")
	if !strings.HasPrefix(r.stderr, "nettutor: ") {
		t.Errorf("no nettutor: prefix: %q", r.stderr)
	}
	badInputLine(t, runCLI(t, nil, "sandbox", "/nonexistent.sh"), "nettutor sandbox: ")
	badInputLine(t, runCLI(t, nil, "sandbox", "a.sh", "b.sh"), "nettutor sandbox: one script at most, got 2 (a.sh b.sh)")
	badInputLine(t, runCLI(t, nil, "baseline", "--count", "-1"), "nettutor baseline: --count -1: want 1 or more")
	badInputLine(t, runCLI(t, nil, "baseline", "--count", "x"), "nettutor baseline: invalid value \"x\" for flag -count")
	badInputLine(t, runCLI(t, nil, "baseline", "extra"), `nettutor baseline: unexpected argument "extra"`)
	badInputLine(t, runCLI(t, nil, "inspect", "extra"), `nettutor inspect: unexpected argument "extra"`)
}

// TestSandboxFlagsAfterScript: flags may follow the script, as with every
// other command.
func TestSandboxFlagsAfterScript(t *testing.T) {
	script := filepath.Join(t.TempDir(), "s.sh")
	os.WriteFile(script, []byte("ip link add br7 type bridge\n"), 0o644)
	r := runCLI(t, nil, "sandbox", script, "--quiet")
	needLab(t, r)
	if r.code != 0 || r.stdout != "" {
		t.Errorf("sandbox SCRIPT --quiet: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "sandbox", script)
	if r.code != 0 || !strings.Contains(r.stdout, "br7") {
		t.Errorf("sandbox SCRIPT: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestBaselineSaysWhatItBuilt: one run prints what it read back from the
// kernel, not nothing; no file beside the binary is needed (it runs in an
// empty folder).
func TestBaselineSaysWhatItBuilt(t *testing.T) {
	cmd := exec.Command(cliBin(t), "baseline")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := cliResult{0, out.String(), errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	needLab(t, r)
	m := regexp.MustCompile(`^baseline lab built \((\d+) namespaces, (\d+) links, (\d+) iptables rules\) in [0-9.]+ ms, read back in [0-9.]+ ms, torn down in [0-9.]+ ms\n$`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("baseline: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// host, RED, BLUE, OUTSIDE; their lo, br0, two veth pairs and the
	// uplink pair; the MASQUERADE rule and two FORWARD rules.
	if m[1] != "4" || m[2] != "11" || m[3] != "3" {
		t.Errorf("baseline built %s namespaces, %s links, %s rules; want 4, 11, 3", m[1], m[2], m[3])
	}
}
