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
