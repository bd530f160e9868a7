package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nettutor/nettutor/engine/statedir"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Progress is the learner's progress, kept in
// $XDG_STATE_HOME/nettutor/progress.json (default ~/.local/state/...).
type Progress struct {
	Path    string                     `json:"-"`
	Lessons map[string]*LessonProgress `json:"lessons"`
}

// LessonProgress is one lesson's progress.
type LessonProgress struct {
	Step      int             `json:"step"`  // steps the learner had run
	Steps     int             `json:"steps"` // steps the lesson had
	Done      bool            `json:"done"`  // every step was run once
	Exercises map[string]bool `json:"exercises,omitempty"`
	Updated   time.Time       `json:"updated"`
}

// Status of a lesson in the picker.
type Status int

// Statuses.
const (
	StatusNew Status = iota
	StatusInProgress
	StatusDone
)

// ProgressPath returns the state file's path.
func ProgressPath() string { return filepath.Join(statedir.Dir(), "progress.json") }

// LoadProgress reads the state file; a missing or broken file gives an
// empty progress (a broken one is not overwritten until the next save).
func LoadProgress(path string) *Progress {
	p := &Progress{Path: path, Lessons: map[string]*LessonProgress{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return p
	}
	var q Progress
	if json.Unmarshal(b, &q) == nil && q.Lessons != nil {
		p.Lessons = q.Lessons
	}
	return p
}

// Status returns a lesson's status.
func (p *Progress) Status(id string) Status {
	lp := p.Lessons[id]
	switch {
	case lp == nil:
		return StatusNew
	case lp.Done:
		return StatusDone
	case lp.Step > 0 || len(lp.Exercises) > 0:
		return StatusInProgress
	}
	return StatusNew
}

// Get returns a lesson's progress, creating it.
func (p *Progress) Get(id string) *LessonProgress {
	lp := p.Lessons[id]
	if lp == nil {
		lp = &LessonProgress{}
		p.Lessons[id] = lp
	}
	return lp
}

// SetStep records that the learner is at step n of total.
func (p *Progress) SetStep(id string, n, total int) {
	lp := p.Get(id)
	lp.Step, lp.Steps = n, total
	if total > 0 && n >= total {
		lp.Done = true
	}
	lp.Updated = time.Now().UTC()
}

// Marshal returns the file's bytes.
func (p *Progress) Marshal() []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}

// writeProgress writes the state file atomically (run it in a tea.Cmd).
func writeProgress(path string, b []byte) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".progress-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Reset forgets one lesson's progress (steps and exercises); it reports
// whether there was any to forget.
func (p *Progress) Reset(id string) bool {
	_, had := p.Lessons[id]
	delete(p.Lessons, id)
	return had
}

// ResetAll forgets every lesson's progress and reports how many lessons
// had some.
func (p *Progress) ResetAll() int {
	n := len(p.Lessons)
	p.Lessons = map[string]*LessonProgress{}
	return n
}

// Save writes the state file now (the CLI's `nettutor reset`; the TUI
// writes in a tea.Cmd instead).
func (p *Progress) Save() error {
	if err := writeProgress(p.Path, p.Marshal()); err != nil {
		return fmt.Errorf("write progress %s: %w", p.Path, err)
	}
	return nil
}
