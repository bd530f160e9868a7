package note

import (
	"regexp"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/lessons"
)

func TestPlainInline(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a **bridge** joins", "a bridge joins"},
		{"**Storage Driver: overlay2**: each", "Storage Driver: overlay2: each"},
		{"run `ip -n RED link` now", "run ip -n RED link now"},
		{"the *back* route", "the back route"},
		{"net.ipv4.ip_forward stays", "net.ipv4.ip_forward stays"},
		{"see [the docs](https://example.org/x) here", "see the docs (https://example.org/x) here"},
		{"[https://a.b](https://a.b)", "https://a.b"},
		{"2 * 3 * 4", "2 * 3 * 4"},
		{"`a **not bold** b`", "a **not bold** b"},
		{"``code with ` tick``", "code with ` tick"},
		{"**`br0`은** 브리지", "br0은 브리지"},
		{`a \*literal\* star`, "a *literal* star"},
		{"[not a link] (x)", "[not a link] (x)"},
		{"_emphasis_ and snake_case_name", "emphasis and snake_case_name"},
	}
	for _, c := range cases {
		if got := PlainInline(c.in); got != c.want {
			t.Errorf("PlainInline(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPlainBlocks(t *testing.T) {
	in := "## Heading\n\ntext\n\n```\nServer:\n Storage Driver: overlay2\n```\n\n| a | b |\n|---|---|\n| `x` | **y** |"
	want := "Heading\n\ntext\n\n    Server:\n     Storage Driver: overlay2\n\n| a | b |\n| x | y |"
	if got := Plain(in); got != want {
		t.Errorf("Plain:\n%s\nwant:\n%s", got, want)
	}
}

// rawMarkdown finds markdown markers a plain transcript must not show.
var rawMarkdown = regexp.MustCompile("\\*\\*|`|\\]\\(|^#{1,6} |__[^_ ]")

// TestPlainEveryLesson renders every text of every built-in lesson, in
// both languages, as run --plain prints it, and finds no raw marker left.
func TestPlainEveryLesson(t *testing.T) {
	ls, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range ls {
		for _, lang := range assets.Langs {
			texts := []lessons.Text{l.Title, l.Summary}
			for _, st := range l.Steps {
				texts = append(texts, st.Title, st.Text)
				if st.Predict != nil {
					texts = append(texts, st.Predict.Question, st.Predict.Answer)
				}
			}
			for _, e := range l.Exercises {
				texts = append(texts, e.Title, e.Goal)
			}
			for _, tx := range texts {
				md := tx.Get(lang)
				if strings.TrimSpace(md) == "" {
					continue
				}
				n++
				for i, line := range strings.Split(Plain(md), "\n") {
					if m := rawMarkdown.FindString(line); m != "" {
						t.Errorf("%s (%s): line %d keeps %q: %s", l.ID, lang, i+1, m, line)
					}
				}
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d texts rendered: the lessons did not load as expected", n)
	}
}
