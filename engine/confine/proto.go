package confine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// The engine and the keeper speak over a SOCK_SEQPACKET socket: one JSON
// message per request, file descriptors beside it (SCM_RIGHTS). Every
// request is a connection of its own, so a spawn's connection can be handed
// to the spawned program's helper, which answers on it when the program
// ends, and notices when the engine side goes away.

// maxMsg bounds one message; a spawn carries argv and the environment.
const maxMsg = 256 << 10

// request is what the engine asks of the keeper.
type request struct {
	Op    string `json:"op"`             // netns, pin, unpin, unpinall, killall, spawn
	Path  string `json:"path,omitempty"` // pin, unpin: a lab path
	Spawn *Spec  `json:"spawn,omitempty"`
}

// reply is the keeper's answer to every request but a started spawn.
type reply struct {
	Err string `json:"err,omitempty"`
}

// status is what a helper sends when its program has ended.
type status struct {
	Exit   int    `json:"exit"`
	Signal int    `json:"signal,omitempty"`
	Err    string `json:"err,omitempty"` // the program could not be started
}

// Spec is one program to run confined in the lab.
type Spec struct {
	// Net is the lab path of the network namespace to run in
	// (/run/nettutor/host, /run/netns/RED); "" with Unshare net.
	Net  string   `json:"net,omitempty"`
	Argv []string `json:"argv"`
	Env  []string `json:"env,omitempty"`
	// Dir is the working folder, a lab path; /root when empty.
	Dir string `json:"dir,omitempty"`
	// Unshare lists namespaces the program gets of its own besides the
	// helper's mount and PID ones: uts, ipc, mount, pid, net, cgroup.
	Unshare []string `json:"unshare,omitempty"`
	// Hostname is set in the program's own UTS namespace first.
	Hostname string `json:"hostname,omitempty"`
	// MountProc mounts a /proc for the program's own PID namespace.
	MountProc bool `json:"mount_proc,omitempty"`
	// UserNS runs the program as root of a nested user namespace.
	UserNS *NestedMap `json:"userns,omitempty"`
	// Persist keeps what the program left running in the background
	// (a learner's `nc -lk 80 &`) until the lab is reset; without it every
	// process the program started is killed as soon as it exits.
	Persist bool `json:"persist,omitempty"`
	// TTY gives the program the terminal on its standard input as its
	// controlling terminal, in a process group of its own in the
	// foreground, so a shell has job control.
	TTY bool `json:"tty,omitempty"`
	// Limits for every process of the program.
	Limits Limits `json:"limits"`
	// Shared runs the program through the lab's runner (runner.go): one
	// helper for all the commands the engine shows, as one lab shell for
	// what a learner types, instead of a helper of its own. Only for a
	// Persist program in Net with nothing else to set up (sharedOK); any
	// other spec ignores it.
	Shared bool `json:"shared,omitempty"`
	// Runner makes the helper the lab's runner (set by the keeper's
	// client, never by a caller).
	Runner bool `json:"runner,omitempty"`
}

// NestedMap is the uid and gid map of a nested user namespace, in lab ids.
type NestedMap struct {
	Inside, Outside, Size int
}

// sendMsg writes v as one message with fds beside it.
func sendMsg(c *net.UnixConn, v any, fds ...int) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxMsg {
		return fmt.Errorf("message of %d bytes is too large", len(b))
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	_, _, err = c.WriteMsgUnix(b, oob, nil)
	return err
}

// bufPool holds receive buffers: a message may be maxMsg long, and a fresh
// buffer of that size per request would cost more than the request.
var bufPool = sync.Pool{New: func() any { b := make([]byte, maxMsg); return &b }}

// errClosed says the other side closed the connection without a message.
var errClosed = errors.New("connection closed")

// recvMsg reads one message into v and returns the fds that came with it,
// close-on-exec.
func recvMsg(c *net.UnixConn, v any) ([]*os.File, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	oob := make([]byte, unix.CmsgSpace(4*8))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, err
	}
	return decodeMsg(buf[:n], oob[:oobn], v)
}

// recvMsgFd is recvMsg on a blocking socket fd, read on the calling
// thread: a helper waits for its spec so, and the spec wakes the thread
// that runs the program without a hand-off through the runtime's poller.
func recvMsgFd(fd int, v any) ([]*os.File, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	oob := make([]byte, unix.CmsgSpace(4*8))
	var n, oobn int
	var err error
	for {
		n, oobn, _, _, err = unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return decodeMsg(buf[:n], oob[:oobn], v)
}

// decodeMsg decodes one message read into v, and the fds in its control
// data.
func decodeMsg(b, oob []byte, v any) ([]*os.File, error) {
	var files []*os.File
	if len(oob) > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			fds, err := unix.ParseUnixRights(&m)
			if err != nil {
				continue
			}
			for _, fd := range fds {
				unix.CloseOnExec(fd)
				files = append(files, os.NewFile(uintptr(fd), "passed"))
			}
		}
	}
	if len(b) == 0 {
		closeAll(files)
		return nil, errClosed
	}
	if err := json.Unmarshal(b, v); err != nil {
		closeAll(files)
		return nil, fmt.Errorf("bad message: %w", err)
	}
	return files, nil
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}
