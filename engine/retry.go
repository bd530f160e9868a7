package engine

// RetryDump runs a netlink dump again while the kernel interrupts it
// (ErrDumpInterrupted: the table changed while it was read), a few times
// at most: the engine's other readers (the journey's) use the same rule
// as the snapshot.
func RetryDump[T any](fn func() (T, error)) (T, error) { return retryDump(fn) }
