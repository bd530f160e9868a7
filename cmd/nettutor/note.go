package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/lessons/note"
	"github.com/nettutor/nettutor/tui"
)

// runMarkdown runs the lesson like runPlain and writes its study note to w
// instead of the transcript. The exit code is runPlain's: 0 when every
// action went as expected and every expectation held. Where the pcaps went
// is said on stderr, so that stdout stays the note alone.
func runMarkdown(w io.Writer, lab *engine.Lab, l *lessons.Lesson, lang, stateJSON, pcapDir string, from int) int {
	r := lessons.NewRunner(lab, l, lessons.Options{Lang: lang})
	defer r.Close()
	ctx := context.Background()
	if from > 1 {
		if err := r.Goto(ctx, from-1); err != nil {
			fmt.Fprintf(os.Stderr, "nettutor run: %s\n", assets.Tf(lang, "run.replay_failed", from, err))
			return 1
		}
	}
	code := 0
	var results []*lessons.StepResult
	var all []lessons.Packet
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			fmt.Fprintf(os.Stderr, "nettutor run: %v\n", err)
			return 1
		}
		if !res.OK() || len(res.CaptureErrs) > 0 {
			code = 1
		}
		results = append(results, res)
		all = append(all, res.Packets...)
	}
	if err := note.Lesson(w, l, lang, results); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor run: write the note: %v\n", err)
		return 1
	}
	// The note alone on stdout: where the pcaps went goes to stderr.
	if line, err := saveRunOutputs(r, lab, l, all, stateJSON, pcapDir, lang); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor run: %v\n", err)
		return 1
	} else if line != "" {
		fmt.Fprintln(os.Stderr, line)
	}
	return code
}

// inspectFormats are the forms of `nettutor inspect --format`.
var inspectFormats = []string{"text", "json", "mermaid", "dot"}

// renderSnapshot writes snap to w in one of inspectFormats. inspect leaves
// loopback links out of the diagrams: on a real machine they say nothing
// about how the namespaces are joined.
// With roles (inspect --node) the diagrams, and the text after its
// listing, draw the namespaces as a cluster.
func renderSnapshot(w io.Writer, snap *engine.Snapshot, format string, roles []diagram.Node, lang string) error {
	var err error
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(snap)
	case "mermaid":
		_, err = io.WriteString(w, diagram.Mermaid(snap, diagram.Options{NoLoopback: true, Nodes: roles, Lang: clusterLang(roles, lang)}))
	case "dot":
		_, err = io.WriteString(w, diagram.DOT(snap, diagram.Options{NoLoopback: true, Nodes: roles, Lang: clusterLang(roles, lang)}))
	default:
		_, err = io.WriteString(w, snap.Text())
		if err == nil && len(roles) > 0 {
			_, err = io.WriteString(w, "\n"+tui.RenderTopology(snap, tui.TopoOptions{Width: 80, Nodes: roles, Lang: lang})+"\n")
		}
	}
	return err
}

// checkFormat is nil for a known inspect format.
func checkFormat(lang, f string) error {
	for _, k := range inspectFormats {
		if f == k {
			return nil
		}
	}
	return fmt.Errorf("%s", assets.Tf(lang, "inspect.bad_format", f))
}

// sandboxNote writes the study note of a lab that script built.
func sandboxNote(w io.Writer, lang, script, printed string, snap *engine.Snapshot) error {
	b, err := lessons.ReadBounded(script, lessons.MaxFileSize)
	if err != nil {
		return fmt.Errorf("read %s for the note: %w", script, err)
	}
	return note.Lab(w, lang, filepath.Base(script), string(b), printed, snap)
}
