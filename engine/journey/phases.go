package journey

import (
	"fmt"
	"io"
	"time"
)

// Phases records how long each phase of one trace took, in order: where a
// trace's time goes (opening the namespaces, the rule walk, starting the
// captures and tracers, the probe's own wait, the reads after it). The
// CLI prints them with NETTUTOR_TRACE_PHASES=1; the benchmarks read them.
// A nil *Phases records nothing.
type Phases struct {
	last time.Time
	// Begun is when the caller began (the CLI: when its command started);
	// zero: when the trace began. Write prints it and the end as Unix
	// microseconds, so that a script timing the whole process can tell
	// the process's start and exit from the trace.
	Begun time.Time
	// List holds each phase with its duration, in the order they ran.
	List []Phase
}

// Phase is one named phase of a trace and its wall-clock duration.
type Phase struct {
	Name string
	D    time.Duration
}

// begin starts the clock of the first phase at t.
func (p *Phases) begin(t time.Time) {
	if p == nil {
		return
	}
	if p.Begun.IsZero() {
		p.Begun = t
	}
	if p.last.IsZero() {
		p.last = p.Begun
	}
	if t.Sub(p.last) > 0 {
		p.List = append(p.List, Phase{"args", t.Sub(p.last)})
		p.last = t
	}
}

// mark ends the phase running since the last mark, naming it.
func (p *Phases) mark(name string) {
	if p == nil {
		return
	}
	now := time.Now()
	if p.last.IsZero() {
		p.last = now
	}
	p.List = append(p.List, Phase{name, now.Sub(p.last)})
	p.last = now
}

// Write prints one line per phase: "phase NAME MS".
func (p *Phases) Write(w io.Writer) {
	if p == nil {
		return
	}
	fmt.Fprintf(w, "phase begun-at %d\n", p.Begun.UnixMicro())
	for _, ph := range p.List {
		fmt.Fprintf(w, "phase %s %.3f\n", ph.Name, float64(ph.D.Microseconds())/1000)
	}
	fmt.Fprintf(w, "phase end-at %d\n", time.Now().UnixMicro())
}

// Mark ends the phase running since the last mark, naming it: a caller's
// own phase after the trace (printing its result).
func (p *Phases) Mark(name string) { p.mark(name) }
