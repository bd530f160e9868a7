package tui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/nettutor/nettutor/lessons"
)

func TestWrapShellBreaksOnlyAtSpaces(t *testing.T) {
	cases := []struct {
		name, cmd string
		w         int
		want      []string
	}{
		{"fits", "ip netns add RED", 40, []string{"ip netns add RED"}},
		{"mount-proc stays whole", "unshare --pid --fork --mount-proc sh -c 'echo $$'", 30,
			[]string{"unshare --pid --fork \\", "--mount-proc sh -c 'echo $$'"}},
		{"veth1 stays whole", "ip link add veth0 netns RED type veth peer name veth1 netns BLUE", 24,
			[]string{"ip link add veth0 \\", "netns RED type veth \\", "peer name veth1 netns \\", "BLUE"}},
		{"65536 stays whole", "ip link set lo mtu 65536 up", 20, []string{"ip link set lo mtu \\", "65536 up"}},
		{"a long single-quoted word closes and reopens its quote", "sh -c 'a b c d e f g h'", 12,
			[]string{"sh -c \\", "'a b c d '\\", "'e f g h'"}},
		{"no break inside double quotes", `echo "a b c d" done`, 10, []string{"echo \\", `"a b c d" \`, "done"}},
		{"escaped space is part of a word", `ls a\ b\ c\ d`, 8, []string{`ls \`, `a\ b\ c\ d`}},
		{"a word longer than the line stays whole", "x 0123456789abcdef y", 8, []string{"x \\", "0123456789abcdef \\", "y"}},
		{"a comment is not continued", "true # a b c d e f g h i j", 10, []string{"true \\", "# a b c d e f g h i j"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := wrapShell(c.cmd, c.w, c.w, 0)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("wrapShell(%q, %d) =\n%s\nwant\n%s", c.cmd, c.w, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if j := joinShell(got); sameWords(j) != sameWords(c.cmd) {
				t.Fatalf("joined back %q, want %q", j, c.cmd)
			}
		})
	}
}

func TestHeredocLinesAreNotContinued(t *testing.T) {
	cmd := "cat > /tmp/x <<'EOF'\na very long line of the document that must stay as it is\nEOF\necho done"
	got := shellLines("", "", cmd, 20, lipgloss.NewStyle())
	if joinShell(trimAll(got)) != joinShell(trimAll(strings.Split(cmd, "\n"))) {
		t.Fatalf("here-document changed:\n%s", strings.Join(got, "\n"))
	}
}

// stripCommand takes the lines of one rendered command (the pane's cells,
// borders already gone), drops the "  ✓ $ " prompt and the indent, and
// joins them as bash reads them.
func stripCommand(lines []string) string {
	var parts []string
	for i, l := range lines {
		l = ansi.Strip(l)
		if i == 0 {
			_, l, _ = strings.Cut(l, "$ ")
		}
		// The duration is a shell comment; bash drops it, so does this.
		if k := strings.Index(l, "  # "); k >= 0 {
			l = l[:k]
		}
		parts = append(parts, strings.TrimRight(strings.TrimLeft(l, " "), " "))
	}
	return joinShell(parts)
}

// TestBuiltinCommandsCopyBack renders every command and solution of the
// built-in lessons at the width of the step pane at 80 columns and
// checks that the screen lines, joined as bash would, are the command.
func TestBuiltinCommandsCopyBack(t *testing.T) {
	all, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	w := splitWidth(80) - 2
	st := DefaultStyles()
	wrapped := 0
	for _, l := range all {
		var cmds []string
		for _, s := range l.Steps {
			for _, a := range s.Actions {
				cmds = append(cmds, a.Command())
			}
		}
		for _, e := range l.Exercises {
			cmds = append(cmds, strings.TrimRight(e.Solution, "\n"))
		}
		for _, c := range cmds {
			if c == "" {
				continue
			}
			lines := shellLines("  ✓ $ ", "      ", c, w, st.Command)
			if len(lines) > strings.Count(c, "\n")+1 {
				wrapped++
			}
			// A solution's own lines are not prompts: strip only the indent.
			var got string
			if strings.Contains(c, "\n") {
				var ps []string
				for _, x := range lines {
					ps = append(ps, strings.TrimLeft(ansi.Strip(x), " ✓$"))
				}
				got = joinShell(trimAll(ps))
			} else {
				got = stripCommand(lines)
			}
			if want := joinShell(trimAll(strings.Split(c, "\n"))); sameWords(got) != sameWords(want) {
				t.Errorf("%s: a copy of\n%s\nruns %q, not %q", l.ID, strings.Join(lines, "\n"), got, c)
			}
			for _, x := range lines {
				if width(x) > w && len(shellBreaks(strings.TrimRight(strings.TrimSpace(ansi.Strip(x)), "\\' "))) == 0 {
					continue // one word longer than the pane: the zoom view shows it
				}
				if width(x) > w && !heredocLine(c, x) {
					t.Errorf("%s: %q is %d cells, the pane has %d", l.ID, ansi.Strip(x), width(x), w)
				}
			}
		}
	}
	if wrapped == 0 {
		t.Fatal("no command needed wrapping at 80 columns: the test tests nothing")
	}
}

func trimAll(ls []string) []string {
	for i := range ls {
		ls[i] = strings.TrimRight(strings.TrimLeft(ls[i], " "), " ")
	}
	return ls
}

func heredocLine(c, line string) bool {
	return heredocTag(c) != "" && strings.Contains(c, strings.TrimSpace(ansi.Strip(line)))
}

// sameWords is what bash makes of a command, as far as wrapping can change
// it: a split inside single quotes leaves ” where the quote closed and
// reopened (nothing, to bash), and a comment's lines are nothing either.
func sameWords(c string) string {
	var out []string
	for _, l := range strings.Split(c, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		out = append(out, strings.ReplaceAll(l, "''", ""))
	}
	return strings.Join(out, "\n")
}

func TestWordWrapBreaksOnlyAtSpaces(t *testing.T) {
	cases := []struct {
		s    string
		w    int
		want []string
	}{
		{"-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE", 20,
			[]string{"-A POSTROUTING -s", "172.17.0.0/16 ! -o", "docker0 -j", "MASQUERADE"}},
		{"-m tcp --dport 8080 -j DNAT", 12, []string{"-m tcp", "--dport 8080", "-j DNAT"}},
		{"lo               UNKNOWN        127.0.0.1/8", 24, []string{"lo               UNKNOWN", "127.0.0.1/8"}},
		{"11.11.11.3 dev veth0 lladdr 6e:0b:11:22:33:03 REACHABLE", 30,
			[]string{"11.11.11.3 dev veth0 lladdr", "6e:0b:11:22:33:03 REACHABLE"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
	}
	for _, c := range cases {
		got := wordWrap(c.s, c.w)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wordWrap(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
		for _, l := range got {
			if width(l) > c.w {
				t.Errorf("%q is wider than %d", l, c.w)
			}
		}
	}
}
