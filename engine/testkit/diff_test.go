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
