package tui

// weighLabsLocked gives the live lab the CPU weight of foreground work and
// the spare the least (confine.Keeper.SetBackground), after any change of
// which lab is which. A spare's rebuild runs while its learner reads, and
// under nettutor serve thirty spares rebuilt at the default weight slowed
// every member's next step (issue 25); at the least weight they take only
// CPU that no live lab wants. The lab swapped in on `p` is the learner's
// own again at once. b.labMu is held.
func (b *LabBackend) weighLabsLocked() {
	if b.lab != nil {
		b.lab.Keeper().SetBackground(false)
	}
	if b.spare != nil && b.spare != b.lab {
		b.spare.Keeper().SetBackground(true)
	}
}

// hurrySpare gives the spare lab the foreground weight while the learner
// waits for its build: a move cancels a build and waits for its step
// under way to end whole (beginOp), and `p` during a build waits for it
// (awaitSpare). At the least weight on a busy machine that wait would be
// the learner's step waiting on background work. The returned func puts
// the weights back as they belong.
func (b *LabBackend) hurrySpare() (restore func()) {
	b.labMu.Lock()
	sp := b.spare
	b.labMu.Unlock()
	if sp == nil || !sp.Keeper().Background() {
		return func() {}
	}
	sp.Keeper().SetBackground(false)
	return func() {
		b.labMu.Lock()
		b.weighLabsLocked()
		b.labMu.Unlock()
	}
}
