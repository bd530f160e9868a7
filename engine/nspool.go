package engine

import (
	"sync"
	"time"

	"github.com/vishvananda/netns"
)

// nsPool keeps a few empty network namespaces made ahead of time. Making a
// namespace is the slowest step of building a lab (every kernel subsystem
// sets itself up in it), so `ip netns add` and a reset take a ready one and
// the pool makes a replacement once the lab has been quiet for a moment,
// never while the learner waits.
type nsPool struct {
	ready chan netns.NsHandle
	mu    sync.Mutex
	last  time.Time // last time a namespace was taken
	kick  chan struct{}
	stop  chan struct{}
	once  sync.Once
	make  func() (netns.NsHandle, error) // the lab keeper's NewNetns
}

// poolQuiet is how long the lab must be idle before the pool refills.
const poolQuiet = 150 * time.Millisecond

func newNSPool(size int, mk func() (netns.NsHandle, error)) *nsPool {
	p := &nsPool{ready: make(chan netns.NsHandle, size), kick: make(chan struct{}, 1), stop: make(chan struct{}), last: time.Now(), make: mk}
	go p.fill()
	p.poke()
	return p
}

// take returns a fresh namespace, from the pool if one is ready. A nil
// pool (a lab that keeps no spares) makes one with mk.
func (p *nsPool) take(mk func() (netns.NsHandle, error)) (netns.NsHandle, error) {
	if p == nil {
		return mk()
	}
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
	p.poke()
	select {
	case ns := <-p.ready:
		return ns, nil
	default:
		return p.make()
	}
}

func (p *nsPool) poke() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *nsPool) fill() {
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
		}
		for len(p.ready) < cap(p.ready) {
			p.mu.Lock()
			wait := poolQuiet - time.Since(p.last)
			p.mu.Unlock()
			if wait > 0 {
				select {
				case <-p.stop:
					return
				case <-time.After(wait):
				}
				continue
			}
			ns, err := p.make()
			if err != nil {
				break // take falls back to making its own
			}
			select {
			case p.ready <- ns:
			case <-p.stop:
				ns.Close()
				return
			}
		}
	}
}

// close stops the refill and frees the ready namespaces; it is safe to
// call more than once, like Lab.Close.
func (p *nsPool) close() {
	if p == nil {
		return
	}
	p.once.Do(func() { close(p.stop) })
	for {
		select {
		case ns := <-p.ready:
			ns.Close()
		default:
			return
		}
	}
}
