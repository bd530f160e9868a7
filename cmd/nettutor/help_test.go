package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// commandNames lists the registered commands, so that a command added
// later is held to the same rules without anyone adding it here.
func commandNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 9 {
		t.Fatalf("only %d commands registered: %v", len(names), names)
	}
	return names
}

// captureStdout runs f with os.Stdout going to a file and returns what f
// wrote there.
func captureStdout(t *testing.T, f func() int) (int, string) {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = tmp
	code := f()
	os.Stdout = old
	if _, err := tmp.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(tmp)
	tmp.Close()
	if err != nil {
		t.Fatal(err)
	}
	return code, string(b)
}

// TestHelpListsEveryFlag runs each registered command's --help in this
// process and holds its output to the flag set the command really parsed
// with: exit 0, a usage line, and every flag with its help text.
func TestHelpListsEveryFlag(t *testing.T) {
	for _, name := range commandNames(t) {
		delete(flagSets, name)
		code, out := captureStdout(t, func() int { return commands[name].run([]string{"--help"}) })
		if code != 0 {
			t.Errorf("%s --help: exit %d, want 0\n%s", name, code, out)
			continue
		}
		if !strings.HasPrefix(out, "usage: nettutor") {
			t.Errorf("%s --help: no usage line first:\n%s", name, out)
		}
		fs := flagSets[name]
		if fs == nil {
			t.Errorf("%s: made no flag set through newFlagSet", name)
			continue
		}
		n := 0
		fs.VisitAll(func(f *flag.Flag) {
			n++
			if !regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(f.Name) + `\b`).MatchString(out) {
				t.Errorf("%s --help does not list -%s:\n%s", name, f.Name, out)
			}
			if !strings.Contains(out, strings.SplitN(f.Usage, "`", 2)[0]) {
				t.Errorf("%s --help lacks the help of -%s (%q)", name, f.Name, f.Usage)
			}
		})
		if n == 0 || fs.Lookup("lang") == nil {
			t.Errorf("%s: %d flags, want --lang among them", name, n)
		}
	}
}

// TestHelpExitsZero runs the binary: -h, --help and `help NAME` of every
// command print its help on stdout, nothing on stderr, and exit 0.
func TestHelpExitsZero(t *testing.T) {
	for _, name := range commandNames(t) {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}, {"--lang", "ko", name, "--help"}} {
			r := runCLI(t, nil, args...)
			if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "\n  -lang") {
				t.Errorf("nettutor %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
			}
			if args[0] == "--lang" && !strings.HasPrefix(r.stdout, "사용법: nettutor") {
				t.Errorf("nettutor %s: not in Korean: %q", strings.Join(args, " "), r.stdout)
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"--lang", "ko", "--help"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "usage: nettutor") || !strings.Contains(r.stdout, "  lint ") {
			t.Errorf("nettutor %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	badInputLine(t, runCLI(t, nil, "help", "nope"), `unknown command "nope"`)
}

// TestVersion: both spellings print one line naming the version.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"--lang", "ko", "--version"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 || !regexp.MustCompile(`^nettutor \S+( \(commit [0-9a-f]+(, modified)?\))?( go\S+)?\n$`).MatchString(r.stdout) {
			t.Errorf("nettutor %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	version = "v9.8.7"
	defer func() { version = "" }()
	if v := versionLine(); !strings.HasPrefix(v, "nettutor v9.8.7") {
		t.Errorf("with -X main.version: %q", v)
	}
}

// TestLangBeforeCommand: --lang before the command reaches every command.
// An unknown language is refused by each of them in one line (so the value
// got there), and a good one changes the language of what it prints.
func TestLangBeforeCommand(t *testing.T) {
	for _, name := range commandNames(t) {
		for _, args := range [][]string{{"--lang", "fr", name}, {"--lang=fr", name}, {"-lang", "fr", name}} {
			badInputLine(t, runCLI(t, nil, args...), `unknown language "fr"`)
		}
	}
	en := runCLI(t, nil, "list")
	for _, args := range [][]string{{"--lang", "ko", "list"}, {"--lang=ko", "list"}, {"list", "--lang", "ko"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 || r.stdout == en.stdout || !strings.Contains(r.stdout, "단계") {
			t.Errorf("nettutor %s: exit %d, not Korean:\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	// Before a lesson file of the learner's own, too: the file is read (and
	// refused in Korean-independent file:line:col form), not taken for a flag.
	dir := t.TempDir()
	bad := dir + "/bad.yaml"
	os.WriteFile(bad, []byte("id: x\ntitle: {en: T}\nsummary: {en: S}\nstep: []\nfoo: 1\n"), 0o644)
	badInputLine(t, runCLI(t, nil, "--lang", "ko", bad), bad+":1:1: ")
	badInputLine(t, runCLI(t, nil, "--lang"), "--lang needs a value")
}
