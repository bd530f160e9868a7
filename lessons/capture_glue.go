package lessons

import (
	"context"
	"errors"

	"github.com/nettutor/nettutor/engine"
)

// runningCapture is one started capture point.
type runningCapture struct {
	stop  func()
	flush func() // wait briefly for packets in flight
}

var errNoCapture = errors.New("packet capture is not available in this build")

// startCapture starts capture point c on lab; emit gets every packet.
func startCapture(ctx context.Context, lab *engine.Lab, c *CapturePoint, emit func(Packet)) (*runningCapture, error) {
	return nil, errNoCapture
}

// compileFilter reports whether expr is a filter the capture package accepts.
func compileFilter(expr string) error { return nil }

// packetMatcher returns a predicate for the `match` of a packet assertion.
func packetMatcher(expr string) (func(p Packet) bool, error) {
	return func(Packet) bool { return true }, nil
}
