package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/lessons/grading"
)

// TestCheckShardMerge grades a class folder unsharded and in 3 shards
// (--shard I/3, as an Indexed Job of 3 completions would): the merged
// report has every answer once, in the same order and with the same
// verdicts and checks; the shards hold a slice each, and an answer that
// prints shard-output lines of its own does not add a report. Then merge
// refuses a missing, a repeated and a cut-short shard (exit 2, the error
// named, the other answers kept).
func TestCheckShardMerge(t *testing.T) {
	t.Parallel() // one of the package's long tests: they run side by side, each on labs of its own
	needSandbox(t)
	dir := t.TempDir()
	class := filepath.Join(dir, "class")
	os.Mkdir(class, 0o755)
	srcs := []string{"veth-connect/ok-seed.sh", "veth-connect/bad-prefix.sh", "veth-connect/ok-ip-n.sh", "veth-connect/bad-not-moved.sh"}
	for i := 0; i < 8; i++ {
		b, err := os.ReadFile(answer(t, srcs[i%len(srcs)]))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(class, fmt.Sprintf("s%d.sh", i)), b, 0o644)
	}
	// A forger: its own "report" lines go to its output, which only the
	// grader's report of it carries.
	forged := `{"report":{"exercise":"veth/connect","answer":"` + filepath.Join(class, "s0.sh") + `","passed":true,"checks":[]}}`
	os.WriteFile(filepath.Join(class, "s8.sh"), []byte("echo '"+forged+"'\necho '{\"nettutor_shard_end\":{\"index\":2,\"graded\":1}}'\n"), 0o644)

	whole := runBin(t, dir, "check", "veth/connect", "--answer", "class", "--json")
	var want []grading.Report
	for _, l := range strings.Split(strings.TrimSpace(whole.stdout), "\n") {
		var r grading.Report
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("unsharded: %v\n%s", err, whole.stdout)
		}
		want = append(want, r)
	}
	if len(want) != 9 || whole.code != 1 {
		t.Fatalf("unsharded: exit %d, %d reports", whole.code, len(want))
	}
	var shards []string
	for i := 0; i < 3; i++ {
		r := runBin(t, dir, "check", "veth/connect", "--answer", "class", "--shard", fmt.Sprintf("%d/3", i))
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 3+2 { // 9 answers / 3: three reports, the header and the end
			t.Fatalf("shard %d: exit %d, %d lines:\n%s%s", i, r.code, len(lines), r.stdout, r.stderr)
		}
		p := filepath.Join(dir, fmt.Sprintf("shard%d.jsonl", i))
		os.WriteFile(p, []byte(r.stdout), 0o644)
		shards = append(shards, p)
	}
	m := runBin(t, dir, "check", "merge", "--json", shards[2], shards[0], shards[1])
	var got grading.Merged
	if err := json.Unmarshal([]byte(m.stdout), &got); err != nil {
		t.Fatalf("merge --json: %v\n%s", err, m.stdout)
	}
	if m.code != whole.code || len(got.Errors) != 0 || len(got.Answers) != len(want) || got.Shards != 3 {
		t.Fatalf("merge: exit %d (unsharded %d), errors %v, %d answers\n%s", m.code, whole.code, got.Errors, len(got.Answers), m.stderr)
	}
	for i, w := range want {
		g := got.Answers[i]
		if g.Answer != w.Answer || g.Passed != w.Passed || verdicts(g) != verdicts(&w) {
			t.Errorf("answer %d: merged %s %v %s, unsharded %s %v %s", i, g.Answer, g.Passed, verdicts(g), w.Answer, w.Passed, verdicts(&w))
		}
	}
	if got.Answers[8].Passed || got.Answers[0].Answer == got.Answers[8].Answer {
		t.Fatalf("the forger passed: %+v", got.Answers[8])
	}
	csv := runBin(t, dir, append([]string{"check", "merge", "--csv"}, shards...)...)
	if n := strings.Count(csv.stdout, "\n"); n != 10 || !strings.HasPrefix(csv.stdout, "answer,passed,checks_passed,checks_total,error\n") {
		t.Fatalf("csv: %d lines\n%s", n, csv.stdout)
	}
	text := runBin(t, dir, append([]string{"check", "merge"}, shards...)...)
	if !strings.Contains(text.stdout, fmt.Sprintf("%d of 9 answers passed (merged from 3 shards)", got.Passed)) {
		t.Fatalf("text:\n%s", text.stdout)
	}

	// Broken sets of shards: each an error, the rest kept.
	cut := filepath.Join(dir, "cut.jsonl")
	b, _ := os.ReadFile(shards[1])
	lines := strings.SplitAfter(string(b), "\n")
	os.WriteFile(cut, []byte(strings.Join(lines[:len(lines)-2], "")), 0o644) // no end line
	for _, c := range []struct {
		name  string
		files []string
		err   string
	}{
		{"missing", []string{shards[0], shards[2]}, "shard 1/3 missing"},
		{"twice", []string{shards[0], shards[1], shards[1], shards[2]}, "given twice"},
		{"cut short", []string{shards[0], cut, shards[2]}, "no end line"},
	} {
		r := runBin(t, dir, append([]string{"check", "merge", "--json"}, c.files...)...)
		var mm grading.Merged
		_ = json.Unmarshal([]byte(r.stdout), &mm)
		if r.code != 2 || !strings.Contains(r.stderr, c.err) || len(mm.Answers) != 9 {
			t.Errorf("%s: exit %d, %d answers, stderr %q", c.name, r.code, len(mm.Answers), r.stderr)
		}
	}
	if r := runBin(t, dir, "check", "veth/connect", "--answer", "class", "--shard", "3/3"); r.code != 2 || !strings.Contains(r.stderr, "0 <= I < M") {
		t.Errorf("--shard 3/3: exit %d %q", r.code, r.stderr)
	}
}

// verdicts is a report's checks as name=pass pairs.
func verdicts(r *grading.Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%s=%v ", c.Name, c.Passed)
	}
	return b.String()
}
