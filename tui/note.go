package tui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/lessons/note"
)

// NoteWriter is a Session that can write the study note of the steps run so
// far. It is optional: a session without it (the tests' fakes) answers the
// note key with a one-line status instead.
type NoteWriter interface {
	// WriteNote writes the note of the first n steps to path.
	WriteNote(path string, n int) error
}

// noteCmd writes the note of the lesson so far into the working folder and
// says where it went.
func noteCmd(sess Session, id string, n int, t func(string) string) tea.Cmd {
	return func() tea.Msg {
		nw, ok := sess.(NoteWriter)
		if !ok {
			return statusMsg{"✗ " + t("tui.note.unavailable")}
		}
		path := filepath.Join(outputDir(), fmt.Sprintf("nettutor-%s-%s.md", id, time.Now().UTC().Format("20060102-150405")))
		if err := nw.WriteNote(path, n); err != nil {
			return statusMsg{"✗ " + err.Error()}
		}
		return statusMsg{"✓ " + fmt.Sprintf(t("tui.note.written"), path)}
	}
}

// keepResult remembers what step i gave, for the note; a step run again
// (after going back) replaces what came after it.
func (s *labSession) keepResult(i int, res *lessons.StepResult) {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	if i < len(s.results) {
		s.results = s.results[:i]
	}
	for len(s.results) < i {
		s.results = append(s.results, nil)
	}
	s.results = append(s.results, res)
}

// WriteNote writes the note of the first n steps. A step the learner did
// not see run in this session (a resume replays it silently) is filled from
// the replay: its text, commands and outputs, without a diagram.
func (s *labSession) WriteNote(path string, n int) error {
	s.b.mu.Lock()
	r := s.runner
	var replayed []*lessons.StepResult
	if r != nil {
		replayed = r.Replayed()
	}
	s.b.mu.Unlock()
	if r == nil {
		return errors.New("the lesson is closed")
	}
	s.nmu.Lock()
	res := make([]*lessons.StepResult, n)
	for i := 0; i < n && i < len(s.lesson.Steps); i++ {
		if i < len(s.results) && s.results[i] != nil {
			res[i] = s.results[i]
		} else if i < len(replayed) && replayed[i] != nil {
			res[i] = replayed[i]
		}
	}
	s.nmu.Unlock()
	var buf bytes.Buffer
	if err := note.Lesson(&buf, s.lesson, s.lang, res); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the note: %w", err)
	}
	return nil
}
