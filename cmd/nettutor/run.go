package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/lessons/note"
)

func init() {
	register("run", "run every step of a lesson and print the transcript (--plain)", cmdRun)
}

// cmdRun runs a lesson, built-in or from a file, step by step in a fresh lab
// and prints what happened. Exit 0 when every action went as expected and
// every expectation held, 1 otherwise, 2 for bad input.
func cmdRun(args []string) int {
	fs := newFlagSet("run")
	_ = fs.Bool("plain", true, "plain text transcript (the default mode of run)")
	markdown := fs.Bool("markdown", false, "print a study note instead: Markdown with Mermaid topology and ladder diagrams")
	lang := langFlag(fs)
	stateJSON := fs.String("state-json", "", "write the final snapshot as JSON (as inspect --json) to this `FILE`; a missing folder is created")
	pcapDir := fs.String("pcap", "", "write each capture point's packets as `DIR`/CAPTURE.pcap; a missing folder is created")
	from := fs.Int("from", 1, "replay the steps before step N as the TUI does (traffic included), then run and print from N on")
	limits := addLimitFlags(fs)
	pos, code, done := parseCommand("run", "run.usage", fs, lang, args)
	if done {
		return code
	}
	if err := limits.apply(); err != nil {
		return badInput("run", err.Error())
	}
	if len(pos) != 1 {
		return badInput("run", assets.T(*lang, "run.usage"))
	}
	l, err := lessons.Resolve(pos[0])
	if err != nil {
		return badInput("run", firstLine(err))
	}
	if *from < 1 || *from > len(l.Steps) {
		return badInput("run", assets.Tf(*lang, "run.bad_from", *from, l.ID, len(l.Steps)))
	}
	// Both output paths are made ready before any lab work, the same way:
	// a missing folder is created; one that cannot be is bad input.
	if *stateJSON != "" {
		if err := os.MkdirAll(filepath.Dir(*stateJSON), 0o755); err != nil {
			return badInput("run", assets.Tf(*lang, "run.bad_state_json", *stateJSON, pathErrReason(err)))
		}
		if st, err := os.Stat(*stateJSON); err == nil && st.IsDir() {
			return badInput("run", assets.Tf(*lang, "run.bad_state_json", *stateJSON, syscall.EISDIR))
		}
	}
	if *pcapDir != "" {
		if err := os.MkdirAll(*pcapDir, 0o755); err != nil {
			return badInput("run", assets.Tf(*lang, "run.bad_pcap", *pcapDir, pathErrReason(err)))
		}
	}
	// From here on we are the sandboxed child (the parent waits and exits
	// with our code).
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		return sandbox.ExitUnavailable
	}
	lab, err := engine.New()
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor run: %v\n", err)
		return 1
	}
	defer lab.Close()
	if *markdown {
		return runMarkdown(os.Stdout, lab, l, *lang, *stateJSON, *pcapDir, *from)
	}
	return runPlain(os.Stdout, lab, l, *lang, *stateJSON, *pcapDir, *from)
}

// runPlain runs every step from step from (1-based) and writes the
// transcript to w; the steps before it are replayed first, silently, the
// way the TUI rebuilds the lab when the learner goes back or resumes.
func runPlain(w io.Writer, lab *engine.Lab, l *lessons.Lesson, lang, stateJSON, pcapDir string, from int) int {
	T := func(k string) string { return assets.T(lang, k) }
	Tf := func(k string, a ...any) string { return assets.Tf(lang, k, a...) }
	// A probe's journey is replayed as soon as the probe has run, before
	// the step's next action changes the lab (the hairpin step turns
	// hairpin off, connects, and turns it on again): it tells of the lab
	// the command ran in, and follows that connection's own conntrack
	// entry (its source port).
	journeys := map[[2]int][]string{}
	onAction := func(i, k int, done bool, ar lessons.ActionResult) {
		if done && k < len(l.Steps[i].Actions) && l.Steps[i].Actions[k].Kind == ar.Kind {
			journeys[[2]int{i, k}] = probeJourney(lab, nil, l.Steps[i].Actions[k], ar.Sport, lang)
		}
	}
	r := lessons.NewRunner(lab, l, lessons.Options{Lang: lang, OnAction: onAction})
	defer r.Close()
	ctx := context.Background()
	fmt.Fprintf(w, "%s: %s\n", l.ID, note.PlainInline(l.Title.Get(lang)))
	if s := note.Plain(l.Summary.Get(lang)); s != "" { // markdown rendered for a plain terminal
		fmt.Fprintln(w, s)
	}
	if from > 1 {
		if err := r.Goto(ctx, from-1); err != nil {
			fmt.Fprintf(w, "\n%s\n", Tf("run.replay_failed", from, err))
			return 1
		}
		fmt.Fprintf(w, "\n%s\n", Tf("run.replayed", from-1))
	}
	ok, held, total, notRun := true, 0, 0, 0
	var all []lessons.Packet
	for !r.Done() {
		i := r.Next()
		st := l.Steps[i]
		fmt.Fprintf(w, "\n== %s ==\n", Tf("run.step", i+1, len(l.Steps), note.PlainInline(st.Title.Get(lang))))
		if t := strings.TrimSpace(note.Plain(st.Text.Get(lang))); t != "" {
			fmt.Fprintln(w, t)
		}
		if st.Predict != nil {
			fmt.Fprintf(w, "\n%s %s\n", T("run.predict"), strings.TrimSpace(note.Plain(st.Predict.Question.Get(lang))))
		}
		if cl := captureLines(st, lang); len(cl) > 0 {
			fmt.Fprintf(w, "\n%s\n", strings.Join(cl, "\n"))
		}
		res, err := r.RunNext(ctx)
		if err != nil {
			fmt.Fprintf(w, "✗ %v\n", err)
			return 1
		}
		for _, e := range res.CaptureErrs {
			fmt.Fprintf(w, "  ✗ %s\n", Tf("run.capture_error", e))
			ok = false
		}
		if res.NotRun != nil { // the lab lacks what the step needs: neither held nor failed
			fmt.Fprintf(w, "\n– %s\n", res.NotRun.Text(lang))
			notRun++
		}
		if len(res.Actions) > 0 {
			fmt.Fprintln(w)
		}
		for k, a := range res.Actions {
			mark := "✓"
			if !a.OK {
				mark = "✗"
			}
			fmt.Fprintf(w, "%s $ %s  (%s)\n", mark, a.Command, fmtDuration(a.Duration))
			if out := strings.TrimRight(a.Output, "\n"); out != "" {
				fmt.Fprintln(w, indent(out, "    "))
			}
			if a.Err != nil && (!a.OK || a.ExpectedFailure) {
				label := T("run.error")
				if a.ExpectedFailure && a.OK {
					label = T("run.expected_failure")
				}
				fmt.Fprintf(w, "%s%s: %s\n", noteMark, label, engine.ErrorText(a.Err, lang))
			}
			for _, line := range journeys[[2]int{i, k}] {
				fmt.Fprintln(w, noteMark+assets.ResolveParticles(line))
			}
		}
		if res.Failed {
			fmt.Fprintf(w, "  %s\n", T("run.stopped"))
			ok = false
		}
		if len(res.Expect) > 0 {
			fmt.Fprintf(w, "\n%s\n", T("run.expect"))
		}
		for _, c := range res.Expect {
			total++
			if c.OK {
				held++
				fmt.Fprintf(w, "  ✓ %s\n", c.Desc)
			} else {
				ok = false
				fmt.Fprintf(w, "  ✗ %s\n      %s\n", c.Desc, c.Detail)
			}
		}
		if res.Failed && len(st.Expect) > 0 {
			total += len(st.Expect)
		}
		if st.Predict != nil {
			fmt.Fprintf(w, "\n%s %s\n", T("run.answer"), strings.TrimSpace(note.Plain(st.Predict.Answer.Get(lang))))
		}
		if res.SnapshotErr != nil {
			fmt.Fprintf(w, "\n✗ %s: %v\n", T("run.topology"), res.SnapshotErr)
			ok = false
		} else if res.Snapshot != nil {
			fmt.Fprintf(w, "\n%s\n%s", T("run.topology"), indent(strings.TrimRight(res.Snapshot.Text(), "\n"), "  ")+"\n")
			if ch := changedText(res.Changed); ch != "" {
				fmt.Fprintf(w, "  %s %s\n", T("run.changed"), ch)
			}
			if d := clusterDrawing(l, res.Snapshot, lang); d != "" {
				fmt.Fprintf(w, "\n%s\n", indent(d, "  "))
			}
		}
		if len(res.Packets) > 0 {
			fmt.Fprintf(w, "\n%s\n", Tf("run.packets", len(res.Packets)))
			tunnelled := false
			for _, p := range res.Packets {
				tunnelled = writePacketLines(w, p.Point, p.Summary) || tunnelled
			}
			if tunnelled {
				fmt.Fprintf(w, "  %s\n", T("tunnel.plain_inner"))
			}
			if res.Snapshot != nil {
				fmt.Fprintf(w, "\n%s\n%s", T("run.ladder"), indent(strings.TrimRight(ladderText(l, res.Snapshot, res.Packets), "\n"), "  ")+"\n")
			}
		}
		all = append(all, res.Packets...)
	}
	fmt.Fprintln(w)
	if ok {
		fmt.Fprintf(w, "✓ %s\n", Tf("run.result_ok", held, total))
	} else {
		fmt.Fprintf(w, "✗ %s\n", Tf("run.result_fail", total-held, total))
	}
	if notRun > 0 {
		fmt.Fprintf(w, "– %s\n", Tf("needs.not_run_count", notRun))
	}
	code := 0
	if !ok {
		code = 1
	}
	if line, err := saveRunOutputs(r, lab, l, all, stateJSON, pcapDir, lang); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor run: %v\n", err)
		return 1
	} else if line != "" {
		fmt.Fprintln(w, line)
	}
	return code
}

// saveRunOutputs writes what run's --state-json and --pcap ask for: the
// lab's final snapshot (the runner's, else read now) and a pcap per
// capture point. It returns the line that says where the pcaps went, or ""
// without --pcap.
func saveRunOutputs(r *lessons.Runner, lab *engine.Lab, l *lessons.Lesson, all []lessons.Packet, stateJSON, pcapDir, lang string) (string, error) {
	if stateJSON != "" {
		snap := r.Snapshot()
		if snap == nil {
			var err error
			if snap, err = lab.Snapshot(); err != nil {
				return "", err
			}
		}
		b, err := json.MarshalIndent(snap, "", "  ")
		if err == nil {
			err = os.WriteFile(stateJSON, append(b, '\n'), 0o644)
		}
		if err != nil {
			return "", err
		}
	}
	if pcapDir == "" {
		return "", nil
	}
	names, err := writePcaps(pcapDir, l, all)
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		names = []string{assets.T(lang, "cli.none")}
	}
	return assets.Tf(lang, "run.pcaps_written", absPath(pcapDir), strings.Join(names, ", ")), nil
}

// pathErrReason is the reason of a failed file operation without the path
// and operation the message already names.
func pathErrReason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// absPath names a path the learner can find again from any folder.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// ladderText draws a step's packets as a sequence diagram between the
// lab's namespaces, named from the snapshot's addresses.
func ladderText(l *lessons.Lesson, snap *engine.Snapshot, pkts []lessons.Packet) string {
	// One arrow per packet across the capture points it crossed, in
	// lanes of the lab's own namespaces: the same ladder as the TUI's
	// and the note's.
	return note.LadderText(l, snap, pkts)
}

// writePcaps writes one classic pcap file per capture point id and
// returns the names of the files it wrote.
func writePcaps(dir string, l *lessons.Lesson, pkts []lessons.Packet) ([]string, error) {
	var ids []string
	for _, s := range l.Steps {
		for _, c := range s.Captures {
			ids = append(ids, c.ID)
		}
	}
	for _, id := range ids {
		var mine []lessons.Packet
		for _, p := range pkts {
			if p.Capture == id {
				mine = append(mine, p)
			}
		}
		f, err := os.Create(filepath.Join(dir, id+".pcap"))
		if err != nil {
			return nil, err
		}
		err = capture.WritePcap(f, lessons.ToCapture(mine))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", f.Name(), err)
		}
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id + ".pcap"
	}
	return names, nil
}

func changedText(c lessons.Changes) string {
	var parts []string
	for _, l := range c.Links {
		parts = append(parts, l.NS+"/"+l.Name)
	}
	linked := map[string]bool{}
	for _, l := range append(append([]lessons.LinkRef{}, c.Links...), c.GoneLinks...) {
		linked[l.NS] = true
	}
	for _, n := range c.Namespaces {
		if !linked[n] {
			parts = append(parts, n)
		}
	}
	for _, l := range c.GoneLinks {
		parts = append(parts, "-"+l.NS+"/"+l.Name)
	}
	for _, n := range c.Removed {
		parts = append(parts, "-"+n)
	}
	return strings.Join(parts, ", ")
}

// indent prefixes every non-empty line of s.
func indent(s, pre string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
		} else {
			lines[i] = pre + strings.TrimRight(l, " ")
		}
	}
	return strings.Join(lines, "\n")
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// noteMark starts the tutor's own lines under a command (its journey, "as
// expected"): a shell comment, set apart from the command's output, which
// is indented alone and is exactly what the command printed.
const noteMark = "  # "

// captureLines are the capture points a step starts, each as the tcpdump
// command a person types to watch that point.
func captureLines(st *lessons.Step, lang string) []string {
	var out []string
	for _, c := range st.Captures {
		out = append(out, assets.Tf(lang, "run.capture", c.Command()))
	}
	return out
}

// probeJourney is the journey of a step's probe (ping, tcp_connect) in
// lines, replayed on the lab as the probe left it (engine/journey's
// PredictLab; snap nil: read now): nothing more is sent, so the lab, its
// conntrack and the next steps are exactly as they are without it.
// sport is the connection's source port (0: none). nil for other
// actions.
func probeJourney(lab *engine.Lab, snap *engine.Snapshot, a *lessons.Action, sport int, lang string) []string {
	p := journey.Probe{From: a.Args.NS, Proto: "icmp"}
	switch a.Kind {
	case "ping":
		p.Dst = a.Args.Dst
	case "tcp_connect":
		h, ps, err := net.SplitHostPort(a.Args.Addr)
		if err != nil {
			return nil
		}
		port, _ := strconv.Atoi(ps)
		p.Dst, p.Proto, p.Port, p.Sport = h, "tcp", port, sport
	default:
		return nil
	}
	if p.From == "" {
		p.From = engine.HostNS
	}
	j, err := journey.PredictLab(lab, snap, p, lang)
	if err != nil {
		return nil
	}
	return j.Compact(lang)
}
