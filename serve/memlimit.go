package serve

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"

	"golang.org/x/sys/unix"
)

// DefaultMemberMemory bounds what each process of a member's session (its
// TUI, the sandbox and keeper below it) may write to: about twenty times
// what a session's TUI uses, so an honest member never meets it, while a
// member who makes their TUI grow ends their own session, not the server
// or the group's.
const DefaultMemberMemory = 1 << 30

// EnvMemory carries Config.MemberMemory (bytes) to the child TUI.
const EnvMemory = "NETTUTOR_SERVE_MEMORY"

// LimitMemory applies the bound serve gave this process in EnvMemory, if
// any, as RLIMIT_DATA soft and hard: a child TUI calls it first thing,
// before it starts the sandbox, so that everything of the session inherits
// it and none of it can raise it again. RLIMIT_DATA counts memory a process
// writes to, not address space a Go runtime reserves (see confine.Limits).
// A lab's own processes set their lower --max-memory under it.
func LimitMemory() error {
	v := os.Getenv(EnvMemory)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		return fmt.Errorf("%s=%q: want a number of bytes", EnvMemory, v)
	}
	if err := unix.Setrlimit(unix.RLIMIT_DATA, &unix.Rlimit{Cur: n, Max: n}); err != nil {
		return fmt.Errorf("limit the session's memory (RLIMIT_DATA %d): %w", n, err)
	}
	// The Go runtime collects harder as the heap nears the bound (a soft
	// limit at 90%), so garbage alone never ends a member's session; and a
	// session that truly outgrows it ends with the runtime's one line, not
	// a dump of every goroutine on the member's screen.
	debug.SetMemoryLimit(int64(n / 10 * 9))
	debug.SetTraceback("none")
	return nil
}
