package grading

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestClean: what a terminal would obey is removed, the text around it is
// kept.
func TestClean(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "veth0 is up\n\tok", "veth0 is up\n\tok"},
		{"korean", "통과: 검사 5개", "통과: 검사 5개"},
		{"colour", "\x1b[31mred\x1b[0m text", "red text"},
		{"clear screen", "\x1b[2J\x1b[Hgone", "gone"},
		{"private mode", "\x1b[?1049halt screen\x1b[?1049l", "alt screen"},
		{"cursor up and erase", "PASS\x1b[1A\x1b[2KFAIL", "PASSFAIL"},
		{"osc title bel", "\x1b]0;owned\x07after", "after"},
		{"osc hyperlink st", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"osc clipboard", "\x1b]52;c;ZWNobyBoaQ==\x07x", "x"},
		{"osc unterminated", "a\x1b]0;title without end", "a"},
		{"dcs", "\x1bP1$qm\x1b\\after", "after"},
		{"apc", "\x1b_payload\x1b\\z", "z"},
		{"charset", "\x1b(0lqk\x1b(B", "lqk"},
		{"reset", "\x1bcfresh", "fresh"},
		{"esc at end", "end\x1b", "end"},
		{"csi at end", "end\x1b[12", "end"},
		{"csi broken by newline", "a\x1b[1\nb", "a\nb"},
		{"carriage return", "100%\rdone", "100%done"},
		{"backspace bell nul del", "a\bb\x07c\x00d\x7fe", "abcde"},
		{"c1 csi", "x\u009b31my", "xy"},
		{"c1 osc", "x\u009d0;t\u009cy", "xy"},
		{"c1 other", "a\u0085b", "ab"},
		{"raw 8-bit csi byte", "x\x9b31my", "x\ufffd31my"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Clean(c.in)
			if got != c.want {
				t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
			}
			for _, r := range got {
				if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
					t.Errorf("control %U left in %q", r, got)
				}
			}
		})
	}
}

// TestPrintReportCleansAnswerText: escape sequences in the answer's output,
// in a detail (an interface name the answer chose) and in the file name do
// not reach the terminal; the JSON line keeps them, escaped.
func TestPrintReportCleansAnswerText(t *testing.T) {
	r := &Report{
		Exercise: "veth/connect", Answer: "/tmp/x\x1b]0;pwned\x07.sh",
		AnswerOutput: "hello \x1b[2J\x1b[31mworld\x1b[0m\n\x1b]52;c;cm0gLXJm\x07done\n",
		Checks: []Line{{Name: "pair", Description: "a veth pair", Detail: "RED: link \x1b[1mev\x1bil\x1b[0m is DOWN",
			Hint: "bring it up"}},
		Note: "note \x9b", Error: "boom \x1b[5m",
	}
	var b bytes.Buffer
	PrintReport(&b, r, "en")
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\u009b") {
		t.Errorf("escape left in:\n%q", out)
	}
	for _, want := range []string{"  │ hello world\n", "  │ done\n", "link evl is DOWN", "/tmp/x.sh", "! boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var line bytes.Buffer
	PrintClassLine(&line, &Result{File: r.Answer, Report: r}, "en", 10)
	PrintClassLine(&line, &Result{File: r.Answer, Err: "child said \x1b[2J"}, "en", 10)
	PrintClassTable(&line, []*Result{{File: r.Answer, Report: r}}, "en")
	if strings.ContainsAny(line.String(), "\x1b\x07") {
		t.Errorf("escape left in class output:\n%q", line.String())
	}

	var j bytes.Buffer
	PrintJSONLine(&j, r)
	if strings.ContainsRune(j.String(), 0x1b) {
		t.Errorf("raw ESC in JSON: %q", j.String())
	}
	var back Report
	if err := json.Unmarshal(j.Bytes(), &back); err != nil || back.AnswerOutput != r.AnswerOutput {
		t.Errorf("JSON does not keep the output: %v %q", err, back.AnswerOutput)
	}
}

// FuzzClean: whatever goes in, no control but newline and tab comes out,
// and cleaning twice changes nothing more.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"\x1b[31mx", "\x1b]0;t\x07", "\x9b1m", "a\x1bPq\x1b\\b", "\u009d8;;x\u009c", "\r\n\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		for _, r := range got {
			if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
				t.Fatalf("Clean(%q) = %q keeps %U", s, got, r)
			}
		}
		if again := Clean(got); again != got {
			t.Fatalf("Clean is not idempotent on %q: %q then %q", s, got, again)
		}
	})
}
