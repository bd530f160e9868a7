// Package reexec lets the nettutor binary (or a test binary) start itself
// under another name to run a small piece of setup code before exec'ing the
// real program: entering a namespace, mounting a private /proc. Go cannot run
// code between fork and exec, so this is how such setup is done.
package reexec

import (
	"fmt"
	"os"
	"os/exec"
)

var hooks = map[string]func(){}

// Register makes fn run when the binary is started with argv[0] == name.
// It panics on a duplicate name because that is a programming error.
func Register(name string, fn func()) {
	if _, dup := hooks[name]; dup {
		panic("reexec: duplicate hook " + name)
	}
	hooks[name] = fn
}

// IsHook reports whether this process was started to run a hook.
func IsHook() bool {
	_, ok := hooks[os.Args[0]]
	return ok
}

// Init runs the hook named by argv[0], if any, and reports whether it did.
// Call it first thing in main and TestMain; when it returns true the caller
// must exit.
func Init() bool {
	fn, ok := hooks[os.Args[0]]
	if !ok {
		return false
	}
	fn()
	return true
}

// Command returns a command that starts this binary running hook name with
// args. The binary is /proc/self/exe, so it works from tests and after the
// executable was replaced on disk.
func Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe", args...)
	cmd.Args = append([]string{name}, args...)
	return cmd
}

// Fail prints one line for a hook that cannot go on and exits with code.
func Fail(code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "nettutor: "+format+"\n", a...)
	os.Exit(code)
}
