package lessons

// Grading a wrong Service answer fast (issue 25). An endpoints check's
// connection that gets no answer waits endpointTimeout (3 s: the SYN and
// its retransmission one second later) before the check can say so, and
// an exercise has up to five such checks: run one after another, a wrong
// answer waited 3 s for each (bad-output-only: 9 s of its 11). The
// endpoints checks of one list therefore run side by side, and only
// their waits overlap: a connection holds the gate (one connection at a
// time, as before) until it is answered or has waited endpointHold, then
// lets the next check connect while it waits out the rest of its
// timeout. Every connection still gets the full endpointTimeout, so no
// verdict changes; a wrong answer pays about one timeout instead of one
// per failing check.
//
// Before each connection the gate also waits for the banner servers to
// be ready for their next client (Lab.WaitBanners): a connection that
// lands in the gap between two nc runs is refused and tried again 100 ms
// later, which cost about 100 ms per connection to a check that makes 24
// of them to the same endpoint (bad-single-endpoint).

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// endpointHold is how long a connection keeps the gate while it waits
// for its answer. In the lab an answer takes milliseconds; one that has
// not come after this is most likely never coming, and the other checks
// need not wait behind it. One that comes later (a loaded machine) still
// counts: its SYN crossed the rules before the gate was let go, so it
// takes no other check's turn at an nth rule, and the next check's
// connection waits for the banner servers to be free (Lab.WaitBanners)
// before it is made.
const endpointHold = 300 * time.Millisecond

// probeGate lets one connection of the endpoints checks that run side by
// side be made at a time.
type probeGate struct {
	sem chan struct{}
}

func newProbeGate() *probeGate { return &probeGate{sem: make(chan struct{}, 1)} }

// connectResult is what one Lab.Connect returned.
type connectResult struct {
	out string
	err error
}

// connect makes one connection of an endpoints check: through the gate
// when the check runs beside others, else directly. Either way it waits
// timeout for the answer and returns what Lab.Connect returns.
//
// A check keeps the gate from its first connection to its last, as long
// as each is answered within endpointHold: the checks of a correct answer
// then run one after another, as they did alone. That matters beyond
// banner servers: `-m statistic --mode nth` counts every connection that
// crosses the rule, and two checks taking turns at it would each see one
// endpoint only.
func (c *checker) connect(from, addr string, timeout time.Duration) (string, error) {
	if c.gate == nil {
		return c.dial(from, addr, timeout)
	}
	if !c.holding {
		select {
		case c.gate.sem <- struct{}{}:
			c.holding = true
		case <-c.ctx.Done():
			return "", c.ctx.Err()
		}
	}
	ch := make(chan connectResult, 1)
	go func() {
		out, err := c.dial(from, addr, timeout)
		ch <- connectResult{out, err}
	}()
	t := time.NewTimer(endpointHold)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.out, r.err
	case <-t.C:
		c.releaseGate() // unanswered so far: let the next check connect
	}
	r := <-ch
	return r.out, r.err
}

// dial connects from from to addr and returns what the server sent, as
// Lab.Connect does, but refuses faster. Lab.Connect tries a refused or
// reset connection five times, 100 ms apart, because a banner server may
// be between two nc runs; here the banner servers are first seen ready
// for their next client (Lab.WaitBanners), so a refusal then is the
// lab's answer, and one more try 100 ms later, with the servers seen
// ready again, is enough to be sure of it. A refused connection so costs
// 0.1 s, not 0.4 s. When the servers are not seen ready in time, or a
// connection is reset before its first byte (Once returns no output and
// no error then), it falls back to Lab.Connect's tries.
func (c *checker) dial(from, addr string, timeout time.Duration) (string, error) {
	var res engine.Result
	var err error
	for try := 0; try < 2; try++ {
		if try > 0 {
			// A server the answer itself runs in a loop is not among the
			// lab's banner servers: give its next run the time Lab.Connect
			// gives between two tries.
			time.Sleep(100 * time.Millisecond)
		}
		if !c.lab.WaitBanners(bannerWaitMax) {
			return c.lab.Connect(c.ctx, from, addr, timeout)
		}
		res, err = engine.TCPConnect{NS: from, Addr: addr, Timeout: timeout, Once: true}.Apply(c.ctx, c.lab)
		if err == nil && res.Output == "" {
			return c.lab.Connect(c.ctx, from, addr, timeout)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			break
		}
	}
	return res.Output, err
}

// releaseGate lets the next check connect, when this one holds the gate.
func (c *checker) releaseGate() {
	if c.gate != nil && c.holding {
		c.holding = false
		<-c.gate.sem
	}
}

// evaluateEndpoints runs the checks of as at the indexes par side by
// side, each with its own checker and a copy of env, and returns their
// results by index (none when par is empty).
func evaluateEndpoints(ctx context.Context, lab *engine.Lab, as []*Assertion, par []int, env *Env) map[int]CheckResult {
	out := map[int]CheckResult{}
	if len(par) == 0 {
		return out
	}
	gate := newProbeGate()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, i := range par {
		e := *env // endpointsCause and cause() read their own snapshot again
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := evaluateOne(ctx, lab, as[i], &e, gate)
			mu.Lock()
			out[i] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}
