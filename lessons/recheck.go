package lessons

import (
	"context"
	"fmt"
)

// recheckable says whether an expectation of a step can be checked again
// later, against the lab as it is then: state and reachability can, while
// what the step's own traffic or output showed (packets, output), what
// ages away on its own (learned fdb entries) and exercise files cannot.
func recheckable(kind string) bool {
	switch kind {
	case "packet", "output", "fdb", "file_owner":
		return false
	}
	return true
}

// Recheck evaluates again the expectations of the last step run or
// replayed, against the lab as it is now: after a lab shell, it tells
// whether the learner's commands broke what the step built. The probes it
// sends are the tutor's, muted as a step's expectations are. The error is
// for a lab that cannot be read at all. Before the first step it checks
// only that the lab can be read.
func (r *Runner) Recheck(ctx context.Context) ([]CheckResult, error) {
	r.rebuilt = false // its probes are traffic no replay sends (Extend)
	r.lab.SettleLinks(linkSettleMax)
	snap, err := r.lab.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("read the lab: %w", err)
	}
	if r.next == 0 {
		return nil, nil
	}
	if r.notRun(r.lesson.Steps[r.next-1]) != nil {
		return nil, nil // a step this lab does not run has nothing to hold
	}
	var as []*Assertion
	for _, a := range r.lesson.Steps[r.next-1].Expect {
		if recheckable(a.Kind) {
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		return nil, nil
	}
	env := &Env{Snapshot: snap, Lang: r.opts.Lang}
	r.muteOpen()
	r.lab.WaitBanners(bannerWaitMax)
	res := Evaluate(ctx, r.lab, as, env)
	r.quiesce()
	r.muteClose()
	return res, nil
}
