package engine

import "time"

// SettleLinks waits, for at most limit, until the kernel has finished
// bringing up every link that is up and has carrier (linkwatch sets the
// operational state in a workqueue, up to a second after `ip link set up`
// on a busy machine). It reports whether the lab is settled. The runner
// calls it before it reads the lab for a diagram or a `show`, so that what
// is drawn is the state the kernel arrives at, not a moment of it.
func (l *Lab) SettleLinks(limit time.Duration) bool {
	l.settleLinks(limit)
	return !l.linksPending()
}
