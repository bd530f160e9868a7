package confine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Exit is how a program run confined ended.
type Exit struct {
	Code   int // its exit code; 128+n when signal n ended it
	Signal int // the signal that ended it, or 0
}

// ErrStart says the lab could not start the program (no such command, a
// namespace that is gone); the text is the helper's.
var ErrStart = errors.New("the lab could not start the program")

// Run runs spec confined and waits for it, like Command but without the
// client process in between: the engine's own actions (a lesson's `run`
// steps, an answer) use it, one process start fewer each. stdout and
// stderr may be one writer; stdin nil reads /dev/null. When ctx ends, the
// program and everything it started are killed. With spec.Persist, what the
// program left running keeps its output streams open: Run then stops
// copying them a moment after the program ends.
func (k *Keeper) Run(ctx context.Context, spec Spec, stdin *os.File, stdout, stderr io.Writer) (Exit, error) {
	if spec.Limits == (Limits{}) {
		spec.Limits = Current
	}
	spec.Env = labEnv(spec.Env)
	if stdin == nil {
		null, err := os.Open(os.DevNull)
		if err != nil {
			return Exit{}, err
		}
		defer null.Close()
		stdin = null
	}
	var copies sync.WaitGroup
	var readers, nulls []*os.File
	defer func() { closeAll(nulls) }()
	pipeFor := func(w io.Writer) (*os.File, error) {
		if f, ok := w.(*os.File); ok {
			return f, nil
		}
		if w == nil {
			// /dev/null, not a pipe: a server the program leaves running
			// would hold a pipe open, and Run wait on it.
			null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err == nil {
				nulls = append(nulls, null)
			}
			return null, err
		}
		r, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
		copies.Add(1)
		go func() { defer copies.Done(); _, _ = io.Copy(w, r) }()
		return pw, nil
	}
	outW, err := pipeFor(stdout)
	if err != nil {
		return Exit{}, err
	}
	errW := outW
	if stderr != stdout {
		if errW, err = pipeFor(stderr); err != nil {
			return Exit{}, err
		}
	}
	var st status
	shared, ok := false, false
	if sharedOK(&spec) {
		// The lab's runner, as a lab shell would start it (runner.go);
		// when it is busy or cannot be had, a helper of its own.
		st, ok, err = k.runShared(ctx, &spec, [3]int{int(stdin.Fd()), int(outW.Fd()), int(errW.Fd())})
		shared = ok
	}
	var c *net.UnixConn
	if !shared {
		spec.Shared = false
		c, err = k.dial()
		if err == nil {
			err = sendMsg(c, request{Op: "spawn", Spawn: &spec}, int(stdin.Fd()), int(outW.Fd()), int(errW.Fd()))
		}
	}
	// Our copies of the write ends go now, so a pipe ends with the program.
	for _, w := range []*os.File{outW, errW} {
		if _, ok := stdout.(*os.File); ok && w == stdout {
			continue
		}
		if _, ok := stderr.(*os.File); ok && w == stderr {
			continue
		}
		w.Close()
	}
	if err != nil && !shared {
		closeAll(readers)
		copies.Wait()
		return Exit{}, fmt.Errorf("start %s in the lab: %w", spec.Argv[0], err)
	}
	if !shared {
		got := make(chan status, 1)
		go func() {
			var st status
			if _, err := recvMsg(c, &st); err != nil {
				st = status{Exit: 137, Signal: 9} // the lab ended under it
			}
			got <- st
		}()
		select {
		case st = <-got:
		case <-ctx.Done():
			c.Close() // the helper kills the program and all it started
			st = <-got
		}
		c.Close()
	}
	done := make(chan struct{})
	go func() { copies.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(300 * time.Millisecond):
		closeAll(readers) // something the program left behind holds the streams
		<-done
	}
	closeAll(readers)
	if st.Err != "" {
		return Exit{Code: 127}, fmt.Errorf("%w: %s", ErrStart, st.Err)
	}
	return Exit{Code: st.Exit, Signal: st.Signal}, ctx.Err()
}
