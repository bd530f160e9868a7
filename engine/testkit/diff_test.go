package testkit

import "testing"

// TestLineDiff: the lines named are the differing ones, by their 1-based
// number, with a shorter text's missing lines as "", five at the most.
func TestLineDiff(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"x\ny", "x\ny", ""},
		{"x\ny\nz", "x\nY\nz", `line 2: want "y", got "Y"`},
		{"x", "x\nextra", `line 2: want "", got "extra"`},
		{"1\n2\n3\n4\n5\n6\n7", "a\nb\nc\nd\ne\nf\ng",
			"line 1: want \"1\", got \"a\"\nline 2: want \"2\", got \"b\"\nline 3: want \"3\", got \"c\"\nline 4: want \"4\", got \"d\"\nline 5: want \"5\", got \"e\""},
	}
	for _, c := range cases {
		if got := LineDiff(c.a, c.b, "want", "got"); got != c.want {
			t.Errorf("LineDiff(%q, %q):\n got  %q\n want %q", c.a, c.b, got, c.want)
		}
	}
}

// TestDifferingLines: n bounds the lines listed, and n < 1 lists them all.
func TestDifferingLines(t *testing.T) {
	a, b := "1\n2\n3\nsame", "x\ny\nz\nsame\nmore"
	if got := DifferingLines(a, b, 1); len(got) != 1 || got[0] != (Line{1, "1", "x"}) {
		t.Errorf("n=1: %v", got)
	}
	if got := DifferingLines(a, b, 0); len(got) != 4 || got[3] != (Line{5, "", "more"}) {
		t.Errorf("n=0: %v", got)
	}
	if got := DifferingLines(a, a, 0); got != nil {
		t.Errorf("same texts: %v", got)
	}
}
