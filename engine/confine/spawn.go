package confine

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnvCwd sets a spawned program's working folder, as a lab path, through
// the client's environment (cmd.Dir would be a path of the engine's).
const EnvCwd = "NETTUTOR_LAB_CWD"

// spawnMain is the client of one spawn, in the engine: argv is the keeper's
// socket and the spec. It passes its standard streams to the keeper, waits
// for the program's status and exits with it.
func spawnMain() {
	fail := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "nettutor: "+format+"\n", a...)
		os.Exit(126)
	}
	if len(os.Args) != 3 {
		fail("%s: usage: SOCKET SPEC", spawnHook)
	}
	var spec Spec
	if err := json.Unmarshal([]byte(os.Args[2]), &spec); err != nil {
		fail("%s: bad spec: %v", spawnHook, err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if v, ok := strings.CutPrefix(kv, EnvCwd+"="); ok {
			spec.Dir = v
			continue
		}
		env = append(env, kv)
	}
	// Only what a lab program may see leaves the engine: the keeper and
	// the helper never hold the invoker's tokens or sockets either.
	spec.Env = labEnv(restoreTerm(env))
	tty := false
	if spec.TTY {
		_, err := unix.IoctlGetTermios(0, unix.TCGETS)
		tty = err == nil
		spec.TTY = tty
	}
	if tty {
		// Bytes the terminal sent the TUI (a late answer to one of its
		// queries) would otherwise be the shell's first input.
		_ = unix.IoctlSetInt(0, unix.TCFLSH, unix.TCIFLUSH)
	}
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: os.Args[1], Net: "unixpacket"})
	if err != nil {
		fail("reach the lab keeper: %v", err)
	}
	if err := sendMsg(c, request{Op: "spawn", Spawn: &spec}, 0, 1, 2); err != nil {
		fail("send to the lab keeper: %v", err)
	}
	var st status
	if _, err := recvMsg(c, &st); err != nil {
		// The lab ended under the program (reset, or nettutor stopping):
		// it was killed with the lab, and says so by its status alone.
		os.Exit(128 + int(syscall.SIGKILL))
	}
	if tty {
		// The program had the terminal's foreground; hand it back to our
		// process group (the TUI's), which is in the background now.
		signal.Ignore(syscall.SIGTTOU)
		_ = unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, unix.Getpgrp())
	}
	if st.Err != "" {
		fmt.Fprintf(os.Stderr, "nettutor: %s\n", st.Err)
		os.Exit(127)
	}
	if st.Signal > 0 {
		// Die the way the program died, so a caller's exec.ExitError says so.
		sig := syscall.Signal(st.Signal)
		signal.Reset(sig)
		_ = unix.Kill(os.Getpid(), sig)
	}
	os.Exit(st.Exit)
}
