package grading

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/lessons"
)

// Options are how one answer is graded.
type Options struct {
	Timeout time.Duration // the answer's time limit
	Lang    string        // language of hints and messages
	Stdin   io.Reader     // where "-" reads the script from (os.Stdin when nil)
	// Seed picks a troubleshooting exercise's fault; unless SeedSet, it
	// comes from the answer's file name (lessons.AnswerSeed).
	Seed    uint64
	SeedSet bool
	// Hints is how many hints a failed check shows: 1, the cause; 2, the
	// cause and the fix (the command); 0, the fix only when this answer
	// failed the last time it was graded here (Tries, a file; none: 1).
	Hints int
	Tries string
}

// GradeOne grades one answer (a file, or "-" for a script on Options.Stdin)
// in a fresh lab of this process, which must be inside its sandbox. The
// script is read first, through lessons.ReadBounded (a regular file of at
// most lessons.MaxFileSize bytes; standard input stops one byte past it),
// and graded from a copy on the sandbox's own /run, so the file may not
// change, grow or turn into a FIFO under the grader. A file that is refused
// gives a *lessons.TooLargeError or *lessons.NotRegularError (errors.As).
func GradeOne(ctx context.Context, ex *lessons.Exercise, file string, o Options) (*Report, error) {
	var b []byte
	var err error
	if file == "-" {
		in := o.Stdin
		if in == nil {
			in = os.Stdin
		}
		b, err = lessons.ReadBoundedFrom(in, "-", lessons.MaxFileSize)
	} else {
		b, err = lessons.ReadBounded(file, lessons.MaxFileSize)
	}
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	path := filepath.Join(sandbox.StateDir, "answer.sh")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, fmt.Errorf("copy answer into the sandbox: %w", err)
	}
	lab, err := engine.New()
	if err != nil {
		return nil, fmt.Errorf("build lab: %w", err)
	}
	defer lab.Close()
	seed := o.Seed
	if !o.SeedSet {
		seed = lessons.AnswerSeed(file)
	}
	g, err := ex.Grade(ctx, lab, path, lessons.GradeOptions{Timeout: o.Timeout, Lang: o.Lang, Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("grade: %w", err)
	}
	r := ReportOf(g, o.Lang)
	r.Answer = file
	if o.Hints == 0 && o.Tries != "" && file != "-" {
		key := triesKey(ex.FullID(), file, seed)
		if !r.Passed && failedBefore(o.Tries, key) {
			o.Hints = 2
		}
		_ = recordTry(o.Tries, key, !r.Passed) // a hint for the next try, not part of the grade
	}
	if o.Hints < 2 {
		for i := range r.Checks {
			r.Checks[i].Fix = ""
		}
	}
	return r, nil
}

// SendReport writes r to a class run's report pipe (sandbox.ReportFile) as
// the one JSON object the parent reads, and closes the pipe, so nothing
// else this process does can add to it.
func SendReport(f *os.File, r *Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	_, werr := f.Write(append(b, '\n'))
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("send report: %w", werr)
	}
	if cerr != nil {
		return fmt.Errorf("send report: %w", cerr)
	}
	return nil
}
