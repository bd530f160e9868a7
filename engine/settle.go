package engine

import "time"

// SettleLinks waits, for at most limit, until the kernel has finished
// bringing up every link that is up and has carrier (linkwatch sets the
// operational state in a workqueue, up to a second after `ip link set up`
// on a busy machine). It reports whether the lab is settled. The runner
// calls it before it reads the lab for a diagram or a `show`, so that what
// is drawn is the state the kernel arrives at, not a moment of it.
//
// Whether it is settled is the last look of the wait: every look dumps
// the links of every namespace, and a second look right after a first
// that found nothing pending was half of what a step's settling cost a
// member's TUI process under nettutor serve (issue 25).
func (l *Lab) SettleLinks(limit time.Duration) bool {
	return l.settleLinks(limit)
}
