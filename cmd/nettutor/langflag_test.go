package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestParseAnywhere(t *testing.T) {
	cases := []struct {
		args []string
		pos  []string
		lang string
		json bool
	}{
		{[]string{"veth", "--lang", "ko"}, []string{"veth"}, "ko", false},
		{[]string{"--json", "a", "b", "--lang=ko"}, []string{"a", "b"}, "ko", true},
		{[]string{"a", "--", "--json"}, []string{"a", "--json"}, "en", false},
		{nil, nil, "en", false},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		lang := fs.String("lang", "en", "")
		js := fs.Bool("json", false, "")
		pos, err := parseAnywhere(fs, c.args)
		if err != nil || !reflect.DeepEqual(pos, c.pos) || *lang != c.lang || *js != c.json {
			t.Errorf("%q: pos %q lang %s json %v err %v", c.args, pos, *lang, *js, err)
		}
	}
}

// cliBin is the binary for the transcript tests: the one nettutorBin
// builds for the whole package, not a second build.
func cliBin(t *testing.T) string {
	t.Helper()
	return nettutorBin(t)
}

type cliResult struct {
	code           int
	stdout, stderr string
}

// nettutor runs the binary with LANG=C unless env overrides it.
func runCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(cliBin(t), args...)
	cmd.Env = append(append(os.Environ(), "LANG=C", "LC_ALL=", "LC_MESSAGES="), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code, out.String(), errb.String()}
}

// badInputLine asserts a bad-input result: exit 2, one line on stderr, no trace.
func badInputLine(t *testing.T, r cliResult, contains string) {
	t.Helper()
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(r.stderr, contains) || strings.Contains(r.stderr, "goroutine") {
		t.Errorf("stderr %q: want one line containing %q", r.stderr, contains)
	}
}

func TestBadLang(t *testing.T) {
	for _, cmd := range []string{"list", "export", "lint", "run"} {
		badInputLine(t, runCLI(t, nil, cmd, "--lang", "fr"), `unknown language "fr"`)
	}
}
