// Package link is the status link between `nettutor serve` and the TUI it
// starts for each SSH session: newline-delimited JSON over one socket the
// child inherits (env NETTUTOR_SERVE_FD). The child reports where its
// member is; the server tells it to follow the presenter, shows a message,
// or resets its lab. It lives apart from serve and tui so that both can
// import it without the TUI depending on the SSH server.
package link

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// EnvFD names the file descriptor of the link in the process serve starts.
// The sandbox carries that descriptor on into the lab's child as its report
// pipe (see engine/sandbox.ReportFile), close-on-exec, so nothing the lab
// runs can reach it.
const EnvFD = "NETTUTOR_SERVE_FD"

// MaxLine bounds one message: a longer line is a broken peer, not a report.
const MaxLine = 64 << 10

// Message types.
const (
	// TypeStatus goes child → server: the member's place and last check.
	TypeStatus = "status"
	// TypeFollow goes server → child: the presenter's lesson and step.
	TypeFollow = "follow"
	// TypeMessage goes server → child: a one-line note from the presenter.
	TypeMessage = "message"
	// TypeReset goes server → child: rebuild the lab from the lesson's start.
	TypeReset = "reset"
)

// Check is the last exercise check a member ran.
type Check struct {
	Exercise string `json:"exercise"`
	Pass     bool   `json:"pass"`
	// Failed is the id of the first check that failed ("" on a pass).
	Failed string `json:"failed,omitempty"`
	// Seq counts the checks the member ran, so that the server logs each
	// once although every status repeats the last.
	Seq int `json:"seq"`
}

// Msg is one line on the link. Type says which fields mean something.
type Msg struct {
	Type string `json:"type"`

	// status (and follow: Lesson, Step)
	Lesson string    `json:"lesson,omitempty"`
	Step   int       `json:"step,omitempty"`  // steps the lab holds (0 before the first)
	Steps  int       `json:"steps,omitempty"` // steps of the lesson
	Passed []string  `json:"passed,omitempty"`
	Check  *Check    `json:"check,omitempty"`
	Hand   bool      `json:"hand,omitempty"`
	Active time.Time `json:"active,omitempty"` // the member's last key

	// message
	Text string `json:"text,omitempty"`
}

// ErrTooLong is returned for a line longer than MaxLine.
var ErrTooLong = errors.New("link: message longer than the limit")

// DecodeError is a line that is not a message. The link itself is fine:
// a reader may skip the line and go on.
type DecodeError struct {
	Line string
	Err  error
}

// Error implements error.
func (e *DecodeError) Error() string { return fmt.Sprintf("link: decode %.40q: %v", e.Line, e.Err) }

// Unwrap returns the JSON error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Writer writes messages, one per line; safe for concurrent use.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Send writes m as one line.
func (w *Writer) Send(m Msg) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("link: encode %s: %w", m.Type, err)
	}
	if len(b) >= MaxLine {
		return ErrTooLong
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("link: send %s: %w", m.Type, err)
	}
	return nil
}

// Reader reads messages, one per line.
type Reader struct {
	s *bufio.Scanner
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 4096), MaxLine)
	return &Reader{s: s}
}

// Next returns the next message. A line that is not a message is a
// *DecodeError (the caller may go on); io.EOF ends the link, and any other
// error is the link's own.
func (r *Reader) Next() (Msg, error) {
	if !r.s.Scan() {
		err := r.s.Err()
		if errors.Is(err, bufio.ErrTooLong) {
			return Msg{}, ErrTooLong
		}
		if err == nil {
			err = io.EOF
		}
		return Msg{}, err
	}
	var m Msg
	if err := json.Unmarshal(r.s.Bytes(), &m); err != nil {
		return Msg{}, &DecodeError{r.s.Text(), err}
	}
	if m.Type == "" {
		return Msg{}, &DecodeError{r.s.Text(), errors.New("no type")}
	}
	return m, nil
}
