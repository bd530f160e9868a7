package main

import (
	"strings"
	"testing"
)

// TestHelpStatesCaptureBudget: the help of the TUI and of serve states the
// session's capture budget, with the budget's own numbers, in English and
// Korean.
func TestHelpStatesCaptureBudget(t *testing.T) {
	for _, name := range []string{"tui", "serve"} {
		for lang, want := range map[string][]string{
			"en": {"Capture budget, per session", "at most 32 capture points", "4 MiB for a lesson's point", "1 MiB for a link made in a lab shell", "64 MiB in all", "the newest 32 MiB of frames", "100000 packets"},
			"ko": {"캡처 한도 (세션마다", "최대 32개", "레슨의 지점마다 4 MiB", "지점마다 1 MiB", "모두 합쳐 64 MiB", "프레임 32 MiB", "100000개"},
		} {
			code, out := captureStdout(t, func() int { return commands[name].run([]string{"--lang", lang, "--help"}) })
			if code != 0 {
				t.Fatalf("%s --lang %s --help: exit %d", name, lang, code)
			}
			// The help's lines are folded: read it as one line.
			flat := strings.Join(strings.Fields(out), " ")
			for _, w := range want {
				if !strings.Contains(flat, w) {
					t.Errorf("%s --lang %s --help lacks %q:\n%s", name, lang, w, out)
				}
			}
		}
	}
}
