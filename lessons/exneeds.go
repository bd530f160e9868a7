package lessons

// Exercise needs (FORMAT.md, "Exercise needs"): an exercise whose setup
// makes a VXLAN device (the cluster exercises' flannel.1) cannot start on
// a kernel without the vxlan driver. Steps say so with `needs:` and are
// "not run here"; an exercise has no step to skip, so it says so at
// start: one line naming the driver and the modprobe on the host, in
// place of the raw netlink error of its first vxlan action.

import (
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"gopkg.in/yaml.v3"
)

// ExerciseNeeds are the values an exercise may list in `needs`: the
// kernel features a lab may lack (subordinate ids are the exercise's
// checks' business: NeedsSubIDs).
var ExerciseNeeds = kernelNeeds

// exerciseNeeds reads the exercise's `needs` (each unknown value an error
// at its place), then adds what its setup and its faults' setups show it
// needs: a `vxlan` action, or a `run` that makes a device of type vxlan
// or ipip, needs that driver whether the file says so or not.
func (ld *loader) exerciseNeeds(e *Exercise, fs map[string]field, what string) {
	if f, ok := fs["needs"]; ok {
		e.Needs = ld.needs(f, what, ExerciseNeeds)
	}
	for _, n := range setupNeeds(e) {
		if !contains(e.Needs, n) {
			e.Needs = append(e.Needs, n)
		}
	}
}

// needs reads a `needs` list (a step's or an exercise's) of values in
// known, node by node, so that each unknown value is reported where it
// is; each value once.
func (ld *loader) needs(f field, what string, known []string) []string {
	var out []string
	for _, nn := range ld.list(f, what) {
		if nn.Kind != yaml.ScalarNode || nn.Tag == "!!null" {
			ld.errf(nn, "%s: %q wants a list of words, got %s", what, f.key.Value, kindName(nn))
			continue
		}
		if !contains(known, nn.Value) {
			ld.errf(nn, "%s: needs: unknown need %q (known: %s)%s", what, nn.Value, strings.Join(known, ", "), suggest(nn.Value, known))
			continue
		}
		if !contains(out, nn.Value) {
			out = append(out, nn.Value)
		}
	}
	return out
}

// setupNeeds are the kernel drivers the exercise's setup actions (its
// own and its faults') make devices of.
func setupNeeds(e *Exercise) []string {
	acts := append([]*Action{}, e.Setup...)
	for _, f := range e.Faults {
		acts = append(acts, f.Setup...)
	}
	var out []string
	add := func(n string) {
		if !contains(out, n) {
			out = append(out, n)
		}
	}
	for _, a := range acts {
		switch {
		case a.Kind == "vxlan":
			add(NeedVXLAN)
		case a.Kind == "run" && strings.Contains(a.Command(), "type vxlan"):
			add(NeedVXLAN)
		case a.Kind == "run" && strings.Contains(a.Command(), "type ipip"):
			add(NeedIPIP)
		}
	}
	return out
}

// NeedError says an exercise cannot start in this lab: its kernel lacks a
// driver the exercise needs. Nothing of the setup was run.
type NeedError struct {
	Exercise string // the full id, lesson/exercise
	Need     string // one of ExerciseNeeds
}

// Error is the English line, as the CLI prints it.
func (e *NeedError) Error() string { return e.Text("en") }

// Text is the one line that says why the exercise did not start and how
// to fix it, in lang.
func (e *NeedError) Text(lang string) string {
	return assets.Tf(lang, "needs.exercise.not_started", e.Exercise, e.Need, engine.KernelModule(e.Need))
}

// lacks is the NeedError for the first need of the exercise that lab
// lacks (labLacks: the same probe, and the same test hook, as a step's),
// or nil when the lab has them all.
func (e *Exercise) lacks(lab *engine.Lab) error {
	for _, n := range e.Needs {
		if labLacks(lab, n) {
			return &NeedError{Exercise: e.FullID(), Need: n}
		}
	}
	return nil
}
