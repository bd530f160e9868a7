package capture

import (
	"errors"
	"sort"
	"sync"
)

// Set runs several capture points at once (for example both sides of a NAT)
// and merges their packets in time order.
type Set struct {
	caps    []*Capture
	updates chan Packet
	stop    chan struct{}
	wg      sync.WaitGroup

	mu      sync.Mutex
	dropped uint64
}

// StartSet starts a capture at every point. If one fails, those already
// started are stopped and the error is returned.
func StartSet(points []Point, opts Options) (*Set, error) {
	opts = opts.withDefaults()
	s := &Set{updates: make(chan Packet, opts.StreamBuffer), stop: make(chan struct{})}
	for _, p := range points {
		c, err := Start(p, opts)
		if err != nil {
			for _, c := range s.caps {
				_ = c.Stop()
			}
			return nil, err
		}
		s.caps = append(s.caps, c)
	}
	for _, c := range s.caps {
		s.wg.Add(1)
		go s.forward(c)
	}
	go func() {
		s.wg.Wait()
		close(s.updates)
	}()
	return s, nil
}

func (s *Set) forward(c *Capture) {
	defer s.wg.Done()
	for p := range c.Updates() {
		select {
		case s.updates <- p:
		default:
			s.mu.Lock()
			s.dropped++
			s.mu.Unlock()
		}
	}
}

// Captures returns the set's captures, in the order of the points.
func (s *Set) Captures() []*Capture { return s.caps }

// Points returns the names of the capture points, in order.
func (s *Set) Points() []string {
	out := make([]string, len(s.caps))
	for i, c := range s.caps {
		out[i] = c.Name()
	}
	return out
}

// Updates streams packets from every point as they arrive (arrival order,
// which may differ slightly from time order across points). It never
// blocks a reader; see StreamDropped. Closed after Stop.
func (s *Set) Updates() <-chan Packet { return s.updates }

// StreamDropped counts packets the merged stream could not take.
func (s *Set) StreamDropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Packets returns every point's ring merged in time order (ties keep the
// order of the points).
func (s *Set) Packets() []Packet {
	var all []Packet
	for _, c := range s.caps {
		all = append(all, c.Packets()...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	return all
}

// Stats returns each point's counts, in the order of the points.
func (s *Set) Stats() []Stats {
	out := make([]Stats, len(s.caps))
	for i, c := range s.caps {
		out[i] = c.Stats()
	}
	return out
}

// Stop stops every capture (concurrently; none waits on a blocked read).
func (s *Set) Stop() error {
	errs := make([]error, len(s.caps))
	var wg sync.WaitGroup
	for i, c := range s.caps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Stop()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
