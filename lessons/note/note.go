// Package note writes a study note out of a lab: Markdown with the step's
// text, its commands in bash blocks and their outputs in plain blocks, the
// topology after the step as a Mermaid flowchart, the packets as a table and
// the hop ladder as a Mermaid sequence diagram. It is what the study group's
// weekly posts used to be made of by hand, drawn instead from what the kernel
// reported. `nettutor run L --markdown`, `nettutor sandbox SCRIPT --markdown`
// and the TUI's note key use it.
package note

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/diagram"
	"github.com/nettutor/nettutor/lessons"
)

// ChangedMark marks what a step changed in its diagram. The legend above
// the diagram says what it means in the note's language, so the diagram
// itself is the same in every language (and renders once for all).
const ChangedMark = "★"

// MaxTableRows bounds a step's packet table, like diagram.MaxArrows bounds
// its ladder: a flood is summarised by its count.
const MaxTableRows = 100

// Writer accumulates a note; the first write error is kept and returned by
// Err, so that the rendering code reads as a document rather than as error
// checks.
type Writer struct {
	w    io.Writer
	lang string
	err  error
}

// NewWriter writes a note in lang to w.
func NewWriter(w io.Writer, lang string) *Writer { return &Writer{w: w, lang: lang} }

// Err is the first error writing to the underlying writer.
func (n *Writer) Err() error { return n.err }

func (n *Writer) printf(format string, a ...any) {
	if n.err == nil {
		_, n.err = fmt.Fprintf(n.w, format, a...)
	}
}

func (n *Writer) t(k string) string            { return assets.T(n.lang, k) }
func (n *Writer) tf(k string, a ...any) string { return assets.Tf(n.lang, k, a...) }

// Lesson writes the note of a lesson: a title, then one section per result
// (in the order given; a lesson run from step N has results from N on, and
// the TUI's note has the steps run so far); a closing line counts the
// expectations that held.
func Lesson(w io.Writer, l *lessons.Lesson, lang string, results []*lessons.StepResult) error {
	n := NewWriter(w, lang)
	n.printf("# %s: %s\n\n", l.ID, oneLine(l.Title.Get(lang)))
	if s := strings.TrimSpace(l.Summary.Get(lang)); s != "" {
		n.printf("%s\n\n", s)
	}
	n.printf("_%s_\n", n.t("note.made_by"))
	held, total := 0, 0
	for _, r := range results {
		if r == nil {
			continue
		}
		h, t := n.Step(l, r)
		held += h
		total += t
	}
	if total > 0 {
		if held == total {
			n.printf("\n---\n\n✓ %s\n", n.tf("note.result_ok", total))
		} else {
			n.printf("\n---\n\n✗ %s\n", n.tf("note.result_fail", total-held, total))
		}
	}
	return n.Err()
}

// Step writes one step's section and returns how many of its expectations
// held and how many were checked.
func (n *Writer) Step(l *lessons.Lesson, r *lessons.StepResult) (held, total int) {
	st := r.Step
	if st == nil && r.Index >= 0 && r.Index < len(l.Steps) {
		st = l.Steps[r.Index]
	}
	title := ""
	if st != nil {
		title = oneLine(st.Title.Get(n.lang))
	}
	n.printf("\n## %s\n", n.tf("note.step", r.Index+1, len(l.Steps), title))
	if st != nil {
		if t := strings.TrimSpace(st.Text.Get(n.lang)); t != "" {
			n.printf("\n%s\n", t)
		}
		if st.Predict != nil {
			n.printf("\n> **%s** %s\n", n.t("note.predict"), oneLine(st.Predict.Question.Get(n.lang)))
		}
		if len(st.Captures) > 0 {
			// Where a capture point starts, the command that watches it,
			// ready to paste into a terminal of its own; a list, not a
			// bash block, since the bash blocks hold the commands run.
			n.printf("\n%s\n\n", n.t("note.capture"))
			for _, c := range st.Captures {
				n.printf("- %s\n", codeSpan(c.Command()))
			}
		}
	}
	if len(r.Actions) > 0 {
		n.printf("\n### %s\n", n.t("note.commands"))
		n.Actions(r.Actions)
	}
	if r.NotRun != nil { // the lab lacked what the step needs: why, and the fix
		n.printf("\n> – %s\n", r.NotRun.Text(n.lang))
	}
	if r.Failed {
		n.printf("\n%s\n", n.t("note.stopped"))
	}
	if len(r.Expect) > 0 {
		n.printf("\n### %s\n\n", n.t("note.expect"))
		for _, c := range r.Expect {
			total++
			if c.OK {
				held++
				n.printf("- ✓ %s\n", inline(c.Desc))
			} else {
				n.printf("- ✗ %s: %s\n", inline(c.Desc), inline(c.Detail))
			}
		}
	}
	if r.Failed && st != nil && len(st.Expect) > len(r.Expect) {
		total += len(st.Expect) - len(r.Expect)
	}
	if st != nil && st.Predict != nil {
		n.printf("\n> **%s** %s\n", n.t("note.answer"), oneLine(st.Predict.Answer.Get(n.lang)))
	}
	if r.Snapshot != nil {
		n.printf("\n### %s\n\n", n.t("note.topology"))
		n.printf("%s\n\n", n.t("note.topology_legend"))
		n.fence("mermaid", diagram.Mermaid(r.Snapshot, diagram.Options{Marks: Marks(r.Changed), ChangedLabel: ChangedMark, Lang: n.lang, Nodes: l.DiagramNodes()}))
		if gone := goneText(r.Changed); gone != "" {
			n.printf("\n%s\n", n.tf("note.removed", inline(gone)))
		}
	} else if r.SnapshotErr != nil {
		n.printf("\n✗ %s: %s\n", n.t("note.topology"), inline(r.SnapshotErr.Error()))
	}
	if len(r.Packets) > 0 {
		n.packets(Namespaces(l), r.Snapshot, r.Packets)
	}
	return held, total
}

// Actions writes the commands in bash blocks, each command that printed
// something closing its block and followed by its output in a plain block:
// commands that print nothing stay together, ready to paste.
func (n *Writer) Actions(acts []lessons.ActionResult) {
	var cmds []string
	flush := func() {
		if len(cmds) > 0 {
			n.printf("\n")
			n.fence("bash", strings.Join(cmds, "\n"))
			cmds = nil
		}
	}
	for _, a := range acts {
		cmds = append(cmds, a.Command)
		out := strings.TrimRight(a.Output, "\n")
		if strings.TrimSpace(out) == "" && a.OK && a.Err == nil {
			continue
		}
		flush()
		if strings.TrimSpace(out) != "" {
			n.printf("\n")
			n.fence("", out)
		}
		switch {
		case a.Err != nil && a.ExpectedFailure && a.OK:
			n.printf("\n_%s: %s_\n", n.t("note.expected_failure"), inline(engine.ErrorText(a.Err, n.lang)))
		case !a.OK:
			msg := n.t("note.failed")
			if a.Err != nil {
				msg += ": " + engine.ErrorText(a.Err, n.lang)
			}
			n.printf("\n✗ %s\n", inline(msg))
		}
	}
	flush()
}

// Packets writes a step's packets as a table and, when the snapshot names
// the hosts, the ladder between them as a sequence diagram with NAT
// rewrites as notes.
func (n *Writer) Packets(snap *engine.Snapshot, pkts []lessons.Packet) {
	n.packets(nil, snap, pkts)
}

// packets is Packets with the lesson's namespaces, whose order the
// ladder's lanes keep.
func (n *Writer) packets(order []string, snap *engine.Snapshot, pkts []lessons.Packet) {
	cp := lessons.ToCapture(pkts)
	capture.SortByTime(cp)
	n.printf("\n### %s\n\n", n.tf("note.packets", len(cp)))
	n.printf("%s\n|---:|---:|---|---|---|\n", n.t("note.packets_head"))
	t0 := cp[0].Time
	for i, p := range cp {
		if i >= MaxTableRows {
			break
		}
		ms := float64(p.Time.Sub(t0).Microseconds()) / 1000
		n.printf("| %d | %.3f ms | %s | %s | %s |\n", i+1, ms, cell(p.Point), cell(p.Proto), code(p.Summary))
	}
	if len(cp) > MaxTableRows {
		n.printf("\n%s\n", n.tf("note.more_packets", len(cp)-MaxTableRows))
	}
	if snap == nil {
		return
	}
	n.printf("\n### %s\n\n", n.t("note.ladder"))
	n.fence("mermaid", sequence(StepLadder(order, snap, cp)))
}

// LadderOrder is the order of a ladder's columns: the lab's inside
// namespaces left, the host in the middle, the outside world on the right,
// as the lessons draw them (and as `run --plain` does).
func LadderOrder(snap *engine.Snapshot) []string {
	var order []string
	outside := false
	for _, ns := range snap.Namespaces {
		switch ns.Name {
		case engine.HostNS:
		case "OUTSIDE":
			outside = true
		default:
			order = append(order, ns.Name)
		}
	}
	order = append(order, engine.HostNS)
	if outside {
		order = append(order, "OUTSIDE")
	}
	return order
}

// Lab writes the note of a lab built by a script (`nettutor sandbox SCRIPT
// --markdown`): the script, what it printed, and the topology it left.
func Lab(w io.Writer, lang, name, script, output string, snap *engine.Snapshot) error {
	n := NewWriter(w, lang)
	n.printf("# %s\n\n_%s_\n", inline(n.tf("note.sandbox_title", name)), n.t("note.made_by"))
	n.printf("\n## %s\n\n", n.t("note.script"))
	n.fence("bash", strings.TrimRight(script, "\n"))
	if out := strings.TrimRight(output, "\n"); strings.TrimSpace(out) != "" {
		n.printf("\n## %s\n\n", n.t("note.output"))
		n.fence("", out)
	}
	if snap != nil {
		n.printf("\n## %s\n\n", n.t("note.topology_final"))
		n.fence("mermaid", diagram.Mermaid(snap, diagram.Options{Lang: n.lang}))
	}
	return n.Err()
}

// Marks turns a step's changes into what the diagram highlights.
func Marks(c lessons.Changes) diagram.Marks {
	m := diagram.Marks{Namespaces: map[string]bool{}, Links: map[string]bool{}}
	for _, l := range c.Links {
		m.Links[l.NS+"/"+l.Name] = true
	}
	linked := map[string]bool{}
	for _, l := range append(append([]lessons.LinkRef{}, c.Links...), c.GoneLinks...) {
		linked[l.NS] = true
	}
	// A namespace is marked itself only when nothing inside it is: a new
	// route or rule has no node of its own.
	for _, ns := range c.Namespaces {
		if !linked[ns] {
			m.Namespaces[ns] = true
		}
	}
	return m
}

func goneText(c lessons.Changes) string {
	var parts []string
	for _, l := range c.GoneLinks {
		parts = append(parts, l.NS+"/"+l.Name)
	}
	parts = append(parts, c.Removed...)
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// fence writes body in a fenced block whose fence is longer than any run
// of backticks in body, so that no output can close it early.
func (n *Writer) fence(info, body string) {
	body = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1 // a terminal escape stays out of a reader's terminal
		}
		return r
	}, body)
	f := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	n.printf("%s%s\n%s\n%s\n", f, info, strings.TrimRight(body, "\n"), f)
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// oneLine folds text for a heading or a list item, where a newline would
// end it.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.TrimSpace(s)), " ")
}

// inline is text that comes from the kernel or a check (not Markdown): one
// line, with the characters escaped that Markdown would read as markup.
func inline(s string) string {
	s = oneLine(cleanControl(s))
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cell is text for a table cell.
func cell(s string) string { return inline(s) }

// code is text for a table cell as a code span; a pipe still needs its
// backslash there (GFM splits cells first).
func code(s string) string { return codeSpan(strings.ReplaceAll(s, "|", "\\|")) }

// codeSpan is s as a code span on one line, fenced by more backticks
// than it holds.
func codeSpan(s string) string {
	s = oneLine(cleanControl(s))
	if s == "" {
		return ""
	}
	f := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return f + pad + s + pad + f
}

// cleanControl drops control characters (a terminal escape in a link name
// must not reach a reader's terminal through `cat note.md`).
func cleanControl(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
