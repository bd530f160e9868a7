package lessons

// Troubleshooting exercises: the loader's part for `faults:` and for a
// check's `fix:` and `when:` hints, the seed that picks a learner's fault,
// and the clone of the validator's lab model that each fault's setup is
// followed from.

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"gopkg.in/yaml.v3"
)

// clone copies the model so that a fault's setup can be followed from the
// exercise's setup without the next fault seeing its links.
func (s *sim) clone() *sim {
	c := &sim{ns: map[string]map[string]*simLink{}, captures: map[string]bool{}}
	for ns, links := range s.ns {
		m := map[string]*simLink{}
		for name, l := range links {
			cp := *l
			m[name] = &cp
		}
		c.ns[ns] = m
	}
	for id := range s.captures {
		c.captures[id] = true
	}
	return c
}

var faultKeys = []string{"id", "setup", "cause", "solution"}
var hintCaseKeys = []string{"cause", "hint", "fix"}

// faults reads an exercise's `faults:` list; each fault's setup is followed
// from st (the lab after the exercise's setup), on a copy.
func (ld *loader) faults(f field, what string, st *sim) []*Fault {
	var out []*Fault
	ids := map[string]bool{}
	items := ld.list(f, what)
	if f.val.Kind == yaml.SequenceNode && len(items) < 2 {
		ld.errf(f.val, "%s: faults: give at least two, so that neighbours' labs differ", what)
	}
	for _, n := range items {
		fw := what + " fault"
		fs := ld.fields(n, fw, faultKeys)
		if fs == nil {
			continue
		}
		ld.require(n, fs, fw, "id", "setup", "cause", "solution")
		ft := &Fault{Pos: pos(n)}
		if v, ok := fs["id"]; ok {
			ft.ID = ld.id(v, fw)
			if ft.ID != "" {
				fw = fmt.Sprintf("%s fault %q", what, ft.ID)
				if ids[ft.ID] {
					ld.errf(v.val, "duplicate fault id %q in %s", ft.ID, what)
				}
				ids[ft.ID] = true
			}
		}
		if v, ok := fs["cause"]; ok {
			ft.Cause = ld.cause(v, fw)
		}
		if v, ok := fs["solution"]; ok {
			ft.Solution = ld.str(v, fw)
		}
		fst := st.clone()
		if v, ok := fs["setup"]; ok {
			for _, an := range ld.list(v, fw) {
				if a := ld.action(an, fw+" setup", fst); a != nil {
					ft.Setup = append(ft.Setup, a)
				}
			}
		}
		out = append(out, ft)
	}
	return out
}

// cause reads a cause id, which must be one of Causes.
func (ld *loader) cause(f field, what string) string {
	s := ld.str(f, what)
	if s != "" && !contains(Causes, s) {
		ld.errf(f.val, "%s: unknown cause %q%s (known: %s)", what, s, suggest(s, Causes), strings.Join(Causes, ", "))
	}
	return s
}

// hintCases reads a check's `when:` list.
func (ld *loader) hintCases(f field, what string) []*HintCase {
	var out []*HintCase
	for _, n := range ld.list(f, what) {
		hw := what + " when"
		fs := ld.fields(n, hw, hintCaseKeys)
		if fs == nil {
			continue
		}
		ld.require(n, fs, hw, "cause", "hint")
		hc := &HintCase{Pos: pos(n)}
		if v, ok := fs["cause"]; ok {
			hc.Cause = ld.cause(v, hw)
		}
		if v, ok := fs["hint"]; ok {
			hc.Hint = ld.text(v, hw)
		}
		if v, ok := fs["fix"]; ok {
			hc.Fix = ld.text(v, hw)
		}
		out = append(out, hc)
	}
	return out
}

// Seed turns a name (a user name, an answer file's name) into a fault
// seed: FNV-1a of the name, so the same learner always gets the same fault
// and two names usually differ.
func Seed(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64()
}

// LearnerName is who the TUI's learner is, for their fault seed:
// $NETTUTOR_LEARNER (set by a study-group server per member), else the
// account's user name, else $USER.
func LearnerName() string {
	if n := os.Getenv("NETTUTOR_LEARNER"); n != "" {
		return n
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// AnswerSeed is the default seed of `nettutor check` for one answer: from
// the answer file's base name (kim.sh and lee.sh get their own faults, as
// their labs did in class), or from the learner's name for "-".
func AnswerSeed(answer string) uint64 {
	if answer == "" || answer == "-" {
		return Seed(LearnerName())
	}
	return Seed(filepath.Base(answer))
}

// StartOptions pick a troubleshooting exercise's fault.
type StartOptions struct {
	Seed  uint64 // picks the fault (PickFault)
	Fault string // this fault instead, by id ("" : by Seed)
}

// Start is StartWith with seed 0.
func (e *Exercise) Start(ctx context.Context, lab *engine.Lab) (*Workspace, []ActionResult, error) {
	return e.StartWith(ctx, lab, StartOptions{})
}

// UnknownFaultError is a fault id that the exercise does not have.
type UnknownFaultError struct {
	Exercise, Fault string
	Known           []string
}

// Error implements error.
func (e *UnknownFaultError) Error() string {
	return fmt.Sprintf("%s has no fault %q (faults: %s)", e.Exercise, e.Fault, strings.Join(e.Known, ", "))
}

// breakLab runs the setup of the fault o picks, if the exercise has
// faults. Its results are not returned: they would show the learner the
// fault.
func (e *Exercise) breakLab(ctx context.Context, lab *engine.Lab, o StartOptions) (*Fault, error) {
	f := e.PickFault(o.Seed)
	if o.Fault != "" {
		if f = e.Fault(o.Fault); f == nil {
			var known []string
			for _, k := range e.Faults {
				known = append(known, k.ID)
			}
			return nil, &UnknownFaultError{Exercise: e.FullID(), Fault: o.Fault, Known: known}
		}
	}
	if f == nil {
		return nil, nil
	}
	for _, a := range f.Setup {
		if ar := ApplyAction(ctx, lab, a); !ar.OK {
			return f, fmt.Errorf("setup of %s (fault %s): %s: %w", e.FullID(), f.ID, ar.Command, ar.Err)
		}
	}
	return f, nil
}
