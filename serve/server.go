// Package serve is `nettutor serve`: the TUI over SSH for a study group.
// Every member's session gets a child nettutor TUI on a real PTY, with a
// sandbox and lab of its own that die with the session (and with the
// server, even by SIGKILL, through parent-death signals); a presenter's key
// gets a dashboard of every member instead. The server and each child talk
// over a status link (package serve/link).
package serve

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/activeterm"
	"charm.land/wish/v2/logging"
	"charm.land/wish/v2/recover"
	"github.com/nettutor/nettutor/engine/statedir"
	gossh "golang.org/x/crypto/ssh"
)

// Config is what `nettutor serve` was asked for.
type Config struct {
	// Listen is the address to listen on (host:port), used by ListenAndServe.
	Listen string
	// HostKey is the server's private key file; made (ed25519) when missing.
	HostKey string
	// AuthorizedKeys and PresenterKeys are authorized_keys files.
	AuthorizedKeys, PresenterKeys string
	// MaxSessions bounds the members' sessions at once (0: no bound). A
	// presenter's session is never refused by it: the presenter keeps a
	// place however many members came.
	MaxSessions int
	// MaxSessionsPerKey bounds the sessions one key holds at once, over
	// any number of connections (0: DefaultMaxSessionsPerKey).
	MaxSessionsPerKey int
	// HandshakeTimeout is how long a connection has to sign in and open a
	// session; one without a session for that long is closed too (0:
	// DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// MaxUnauthPerAddr and MaxUnauth bound the connections not signed in
	// yet, from one source address and in all; one more is refused before
	// the handshake (0: DefaultMaxUnauthPerAddr, DefaultMaxUnauth).
	MaxUnauthPerAddr, MaxUnauth int
	// MemberMemory bounds what each process of a session's TUI may write
	// to (RLIMIT_DATA; 0: no bound). See MemoryEnv.
	MemberMemory int64
	// IdleTimeout ends a session without a key, a paste or a new window
	// size from its member for that long; SessionTimeout ends any session
	// after that long (0: never).
	IdleTimeout, SessionTimeout time.Duration
	// Lang is the language of a session whose client sends no LANG.
	Lang string
	// StateDir holds the members' progress (StateDir/serve/<fp>.json).
	StateDir string
	// Exe is the nettutor binary the sessions run (default os.Executable).
	Exe string
	// ChildEnv is added to each child's environment (the lab limits).
	ChildEnv []string
	// Log receives the structured log (default: stderr).
	Log io.Writer
	// FirstFrame, when set, draws on a member's terminal, from the
	// server's own process, the first frame the member's TUI draws (the
	// lesson picker, from the same code), before that TUI starts: the
	// member sees the product at once, while their TUI and its lab start
	// (thirty members arriving together on two cores take seconds). The
	// TUI is told (EnvDrawn) and goes on from that frame without clearing
	// it; the member's keys wait until it reads them. It returns what
	// gives the terminal back (the modes the frame set) should the TUI
	// never take it over. An error leaves the drawing to the TUI.
	FirstFrame func(out io.Writer, f Frame) (undo []byte, err error)
	// StartLine, when set, is the line a member's terminal shows before
	// the first frame in lang ("" for none): the machine's preflight
	// verdict, which is the same for every member, so their TUIs skip
	// working it out (EnvPreflightShown).
	StartLine func(lang string) string
	// MaxStarting bounds the members' TUIs starting at once, handed out
	// fairly between keys (0: one per CPU); StartTimeout is how long one
	// may take to say it is up before its slot goes on (0:
	// DefaultStartTimeout). A presenter's view never waits.
	MaxStarting  int
	StartTimeout time.Duration
	// MemberNice is the nice value of a session's TUI and lab as a whole
	// while the TUI starts (0: as the server's; nettutor serve's default
	// is DefaultMemberNice). See setNice.
	MemberNice int
}

// Server is a running `nettutor serve`.
type Server struct {
	cfg  Config
	keys atomic.Pointer[Keys] // swapped whole by ReloadKeys
	log  *log.Logger
	ssh  *ssh.Server
	hub  *hub
	// admit orders the members' TUIs' starts (admit.go); nicer sets
	// their scheduling groups' nice (setNice).
	admit *admission
	nicer niceQueue

	members  atomic.Int64 // members' sessions now (MaxSessions)
	stopping atomic.Bool
	wg       sync.WaitGroup // running runChild calls and dashboards (until their end is logged)

	unauth      *slots // connections not signed in, per source address
	perKey      *slots // sessions per key's fingerprint
	refusedLog  limitedLog
	deadlineLog limitedLog
	resizes     atomic.Int64 // window changes passed to the PTY

	dashMu     sync.Mutex
	dashboards map[chan string]bool // running dashboards' stop channels
}

type ctxKey struct{ name string }

var (
	keyMember   = &ctxKey{"member"}
	keyActivity = &ctxKey{"activity"}
	keyRefused  = &ctxKey{"refused"}
	keyGate     = &ctxKey{"gate"}
)

// New checks cfg, loads the keys and the host key, and returns a server
// that is not listening yet.
func New(cfg Config) (*Server, error) {
	if cfg.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the nettutor binary: %w", err)
		}
		cfg.Exe = exe
	}
	if cfg.Lang == "" {
		cfg.Lang = "en"
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.StateDir == "" {
		cfg.StateDir = StateDir()
	}
	keys, err := LoadKeys(cfg.AuthorizedKeys, cfg.PresenterKeys)
	if err != nil {
		return nil, err
	}
	if cfg.HostKey == "" {
		cfg.HostKey = filepath.Join(cfg.StateDir, "serve_host_ed25519")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.HostKey), 0o700); err != nil {
		return nil, fmt.Errorf("host key folder: %w", err)
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxUnauthPerAddr <= 0 {
		cfg.MaxUnauthPerAddr = DefaultMaxUnauthPerAddr
	}
	if cfg.MaxUnauth <= 0 {
		cfg.MaxUnauth = DefaultMaxUnauth
	}
	if cfg.MaxSessionsPerKey <= 0 {
		cfg.MaxSessionsPerKey = DefaultMaxSessionsPerKey
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	lg := newLogger(cfg.Log)
	s := &Server{cfg: cfg, log: lg, hub: newHub(), admit: newAdmission(cfg.MaxStarting),
		unauth: newSlots(cfg.MaxUnauthPerAddr, cfg.MaxUnauth), perKey: newSlots(cfg.MaxSessionsPerKey, 0)}
	s.nicer.s = s
	s.keys.Store(keys)
	srv, err := wish.NewServer(
		wish.WithAddress(cfg.Listen),
		wish.WithHostKeyPath(cfg.HostKey),
		wish.WithPublicKeyAuth(s.authPublicKey),
		ssh.AllocatePty(),
		ssh.WrapConn(s.wrapConn),
		func(srv *ssh.Server) error {
			srv.ServerConfigCallback = s.serverConfig
			// The only channel type: no direct-tcpip, as before.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
			return nil
		},
		wish.WithMiddleware(
			recover.MiddlewareWithLogger(lg.StandardLog(), s.app()),
			// activeterm stays as the backstop; requirePty, before it,
			// says in nettutor's words what to do instead.
			activeterm.Middleware(),
			requirePty(lg),
			logging.StructuredMiddlewareWithLogger(lg, log.DebugLevel),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	// No password or keyboard-interactive handler is set, so the client is
	// never offered either; no forwarding callbacks and no subsystem
	// handlers, so port forwarding and sftp are refused by the library.
	s.ssh = srv
	return s, nil
}

// newLogger is the server's log: logfmt lines, one per event, so that a
// study group's log can be grepped and parsed.
func newLogger(w io.Writer) *log.Logger {
	return log.NewWithOptions(w, log.Options{ReportTimestamp: true, TimeFormat: time.RFC3339, Formatter: log.LogfmtFormatter, Prefix: "serve"})
}

// StateDir is $XDG_STATE_HOME/nettutor (default ~/.local/state/nettutor).
func StateDir() string { return statedir.Dir() }

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	s.log.Info("listening", "addr", ln.Addr().String(), "keys", s.keys.Load().Len(), "host-key", s.cfg.HostKey)
	err := s.ssh.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on cfg.Listen and serves.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.Serve(ln)
}

// Close stops accepting, ends every session (their labs go with their
// children) and waits for the children to be gone.
func (s *Server) Close() error {
	s.stopping.Store(true)
	s.admit.close()
	s.hub.stopAll()
	s.stopDashboards("server stop")
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	// The sessions end first, each with its line to its client; then the
	// connections close (and whatever did not end in time with them).
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	err := s.ssh.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return err
}

// ReloadKeys reads the key files again (SIGHUP): a latecomer's key is
// added without a restart, which would end every member's lab. On an
// error the old keys stay. Sessions already running go on either way.
func (s *Server) ReloadKeys() error {
	k, err := LoadKeys(s.cfg.AuthorizedKeys, s.cfg.PresenterKeys)
	if err != nil {
		s.log.Error("keys not reloaded", "err", err)
		return err
	}
	s.keys.Store(k)
	s.log.Info("keys reloaded", "keys", k.Len())
	return nil
}

// authPublicKey lets known keys in; an unknown one gets one log line per
// connection, and the server goes on.
func (s *Server) authPublicKey(ctx ssh.Context, pk ssh.PublicKey) bool {
	m, ok := s.keys.Load().Lookup(pk)
	if ok {
		ctx.SetValue(keyMember, m)
		return true
	}
	fp := gossh.FingerprintSHA256(pk)
	if prev, _ := ctx.Value(keyRefused).(string); prev != fp {
		ctx.SetValue(keyRefused, fp)
		s.log.Warn("refused unknown key", "fingerprint", fp, "type", pk.Type(), "user", ctx.User(), "remote-addr", ctx.RemoteAddr().String())
	}
	return false
}

// requirePty ends a session without a terminal (ssh -T, an exec without
// -t) with one line saying how to connect, and a log line.
func requirePty(lg *log.Logger) wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			if _, _, ok := sess.Pty(); !ok {
				wish.Fatalln(sess, "nettutor serve: this is a terminal program; connect with a terminal: ssh -t (not -T)")
				lg.Info("refused", "reason", "no-pty", "user", sess.User(), "remote-addr", sess.RemoteAddr().String())
				return
			}
			next(sess)
		}
	}
}

// app is the handler every session with a PTY reaches: a presenter's key
// gets the dashboard, a member's key the TUI.
func (s *Server) app() wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			defer next(sess)
			// The session's input is held until a member's TUI reads it
			// (runChild); every other session takes it at once.
			gate, _ := sess.Context().Value(keyGate).(*inputGate)
			if gate != nil {
				defer gate.open()
			}
			m, ok := sess.Context().Value(keyMember).(Member)
			if !ok {
				// Keys are checked at auth; a session without one is a bug.
				wish.Fatalln(sess, "nettutor serve: no known key for this session")
				return
			}
			if len(sess.Command()) > 0 && !(len(sess.Command()) == 1 && (sess.Command()[0] == "en" || sess.Command()[0] == "ko")) {
				wish.Fatalln(sess, "nettutor serve: no commands here; connect without one (or with en / ko for the language)")
				s.log.Info("refused", "member", m.Name, "reason", "command", "command", sess.RawCommand())
				return
			}
			if s.stopping.Load() {
				wish.Fatalln(sess, "nettutor serve: the server is stopping")
				return
			}
			if m.Role != RolePresenter {
				// Members only: however many came, the presenter gets in
				// (bounded by the sessions per key, like everyone).
				if n := s.members.Add(1); s.cfg.MaxSessions > 0 && n > int64(s.cfg.MaxSessions) {
					s.members.Add(-1)
					wish.Fatalf(sess, "nettutor serve: the server is full (%d sessions); try again later\r\n", s.cfg.MaxSessions)
					s.log.Warn("refused", "member", m.Name, "reason", "max-sessions", "max", s.cfg.MaxSessions)
					return
				}
				defer s.members.Add(-1)
			}
			if ssh.AgentRequested(sess) {
				// Accepted at the request level by the library, but no agent
				// channel is ever opened: nothing reaches the member's agent.
				s.log.Info("agent forwarding not forwarded", "member", m.Name)
			}
			if m.Role == RolePresenter {
				if gate != nil {
					gate.open()
				}
				s.runDashboard(sess, m)
				return
			}
			s.runMember(sess, m, gate)
		}
	}
}
