package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/nettutor/nettutor/engine/confine"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/nettutor/nettutor/engine/nsutil"
)

// The banner server of the lessons is the command a person types for it,
// run for real: a shell loop around OpenBSD netcat that answers every
// connection with one line and closes (-N: shut the socket down once the
// line is sent, so the client sees the end). `|| sleep 1` keeps a failing
// nc (the port is taken) from spinning.

// ErrNoNetcat is returned when the machine has no OpenBSD netcat, which
// the banner server runs.
var ErrNoNetcat = errors.New("OpenBSD netcat (nc, Debian's netcat-openbsd) is not installed")

// bannerScript is the sh script of the banner server.
func bannerScript(port int, banner string) string {
	return fmt.Sprintf("while :; do echo %s | nc -N -l %d || sleep 1; done", echoArgs(banner), port)
}

// echoArgs writes banner as echo's arguments the way a person would: bare
// words when echo prints them back unchanged (hello from WEB), otherwise
// in double quotes, which nest inside the single quotes of sh -c.
func echoArgs(banner string) string {
	plain := banner != "" && !strings.Contains(banner, "  ") && strings.TrimSpace(banner) == banner &&
		strings.Trim(banner, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:/@+=_-") == "" &&
		!strings.HasPrefix(banner, "-")
	if plain {
		return banner
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return `"` + r.Replace(banner) + `"`
}

// bannerCommand is the banner server as a person types it.
func bannerCommand(ns string, port int, banner string) string {
	return inNS(ns, "sh -c "+shQuote(bannerScript(port, banner))+" &")
}

var (
	netcatOnce sync.Once
	netcatErr  error
)

// haveNetcat reports whether nc is OpenBSD netcat (the one with -N).
func haveNetcat() error {
	netcatOnce.Do(func() {
		path, err := exec.LookPath("nc")
		if err != nil {
			netcatErr = ErrNoNetcat
			return
		}
		out, _ := exec.Command(path, "-h").CombinedOutput()
		if !strings.Contains(string(out), "OpenBSD netcat") {
			netcatErr = fmt.Errorf("%s is not OpenBSD netcat (no -N): %w", path, ErrNoNetcat)
		}
	})
	return netcatErr
}

// bannerKey names a running banner server.
type bannerKey struct {
	ns   string
	port int
}

var (
	bannerMu      sync.Mutex
	bannerServers = map[*Lab][]bannerKey{}
)

// serveBanner starts the banner server in namespace ns: the very command
// bannerCommand shows, confined like every lab program, living until the
// lab is reset. It returns once nc listens. A server already listening on
// the port is left as it is, so the action repeats safely.
func (l *Lab) serveBanner(ctx context.Context, ns string, port int, banner string) error {
	if err := haveNetcat(); err != nil {
		return fmt.Errorf("%s: the banner server cannot run: %w", nsOr(ns), err)
	}
	if ok, err := l.listening(ns, port); err != nil {
		return err
	} else if ok {
		return nil
	}
	errf, err := os.CreateTemp("", "nettutor-banner-*.log")
	if err != nil {
		return fmt.Errorf("banner server: %w", err)
	}
	defer os.Remove(errf.Name())
	defer errf.Close()
	spec := confine.Spec{Net: l.LabPath(ns), Argv: []string{"sh", "-c", bannerScript(port, banner) + " &"}, Persist: true,
		Env: append(os.Environ(), "NETTUTOR_NS="+nsOr(ns))}
	if ex, err := l.k.Run(context.Background(), spec, nil, nil, errf); err != nil || ex.Code != 0 {
		if err == nil {
			err = &ExitError{Code: ex.Code}
		}
		return fmt.Errorf("%s: start the banner server: %w", nsOr(ns), err)
	}
	bannerMu.Lock()
	first := len(bannerServers[l]) == 0
	bannerServers[l] = append(bannerServers[l], bannerKey{nsOr(ns), port})
	bannerMu.Unlock()
	if first {
		// Outside bannerMu: a reset runs this under the lab's lock.
		l.OnReset(func() {
			bannerMu.Lock()
			delete(bannerServers, l)
			bannerMu.Unlock()
		})
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		ok, err := l.listening(ns, port)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			b, _ := os.ReadFile(errf.Name())
			return fmt.Errorf("%s: nc does not listen on port %d: %s", nsOr(ns), port, strings.TrimSpace(string(b)))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// WaitBanners waits, for at most limit, until every banner server of the
// lab is ready for its next client. Between two clients the loop starts a
// new nc; and while one nc serves a client, its listening socket stays
// open without accepting again, so a second connection then would be
// queued and reset when that nc exits. The runner waits here before each
// connect, so that a connection right after another finds the server the
// way a person typing the commands one by one would. It reports whether
// all are ready.
func (l *Lab) WaitBanners(limit time.Duration) bool {
	bannerMu.Lock()
	keys := append([]bannerKey(nil), bannerServers[l]...)
	bannerMu.Unlock()
	deadline := time.Now().Add(limit)
	for _, k := range keys {
		if !l.bannerReady(k, deadline) {
			return false
		}
	}
	return true
}

// bannerSteady is how long one listening socket must be seen, with no
// connection being served on the port, for its nc to be the one waiting
// for the next client: an nc that has just served one holds its listening
// socket only until it exits, well under a millisecond later.
const bannerSteady = 3 * time.Millisecond

// bannerReady waits until the server k is ready (see WaitBanners).
func (l *Lab) bannerReady(k bannerKey, deadline time.Time) bool {
	var inode string
	var since time.Time
	for {
		st, err := l.tcpPort(k.ns, k.port)
		if err != nil {
			return true // the namespace is gone: nothing to wait for
		}
		now := time.Now()
		switch {
		case st.listen == "" || st.busy:
			inode = ""
		case st.listen != inode:
			inode, since = st.listen, now
		case now.Sub(since) >= bannerSteady:
			return true
		}
		if now.After(deadline) {
			return false
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// portState is what /proc/net/tcp says about one local port.
type portState struct {
	listen string // inode of the listening socket, "" if none
	busy   bool   // a connection on the port is open or closing
}

// listening reports whether a TCP socket listens on port in namespace ns.
func (l *Lab) listening(ns string, port int) (bool, error) {
	st, err := l.tcpPort(ns, port)
	return st.listen != "", err
}

// tcpPort reads the sockets of a local TCP port in namespace ns
// (/proc/net/tcp, read from a thread inside the namespace).
func (l *Lab) tcpPort(ns string, port int) (portState, error) {
	var st portState
	fd, err := l.NsHandle(ns)
	if err != nil {
		return st, err
	}
	want := fmt.Sprintf(":%04X", port)
	err = nsutil.Do(fd, func() error {
		f, err := os.Open("/proc/thread-self/net/tcp")
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !strings.HasSuffix(fields[1], want) {
				continue
			}
			switch fields[3] {
			case "0A": // LISTEN
				st.listen = fields[9]
			case "06", "07": // TIME_WAIT, CLOSE: no process holds them
			default:
				st.busy = true
			}
		}
		return sc.Err()
	})
	if err != nil {
		return st, fmt.Errorf("%s: read the sockets of port %d: %w", nsOr(ns), port, err)
	}
	return st, nil
}
