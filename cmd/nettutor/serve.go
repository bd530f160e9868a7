package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/confine"
	"github.com/nettutor/nettutor/engine/preflight"
	"github.com/nettutor/nettutor/serve"
)

func init() {
	register("serve", "the TUI over SSH for a study group: a lab per member, a presenter's dashboard", cmdServe)
}

// cmdServe is `nettutor serve`: flags and wiring; the server is package
// serve.
func cmdServe(args []string) int {
	fs := newFlagSet("serve")
	lang := langFlag(fs)
	listen := fs.String("listen", "127.0.0.1:2222", "address to listen on, host:port (0.0.0.0:2222 for the whole network)")
	hostKey := fs.String("host-key", "", "the server's private host key; made (ed25519) on first run (default $XDG_STATE_HOME/nettutor/serve_host_ed25519)")
	authorized := fs.String("authorized-keys", "", "members' public keys, authorized_keys format; each key's comment is the member's name")
	presenters := fs.String("presenter-keys", "", "presenters' public keys, authorized_keys format: they get the dashboard")
	maxSessions := fs.Int("max-sessions", 40, "most members' sessions at once; the next one is refused with one line (0: no limit). A presenter's key is never refused by it")
	perKey := fs.Int("max-sessions-per-key", serve.DefaultMaxSessionsPerKey, "most sessions one key holds at once, over any number of connections (a presenter's too); the next is refused")
	handshake := fs.Duration("handshake-timeout", serve.DefaultHandshakeTimeout, "close a connection that has not signed in and opened a session within this long (and one left without a session for this long)")
	unauthAddr := fs.Int("max-unauth-per-address", serve.DefaultMaxUnauthPerAddr, "most connections not signed in yet from one source address (a class behind one NAT arrives at once); the next is refused before the handshake")
	unauth := fs.Int("max-unauth", serve.DefaultMaxUnauth, "most connections not signed in yet in all")
	maxStarting := fs.Int("max-starting", 0, fmt.Sprintf("most members' TUIs starting at once, handed out fairly between keys (0: %d per CPU); a waiting member sees the lesson picker, drawn by the server, at once", serve.DefaultStartsPerCPU))
	memberNice := fs.Int("member-nice", serve.DefaultMemberNice, "nice value of each session's TUI and lab as a whole (its autogroup) while it starts, 0 once it is up: the server's own work (SSH, screens, first frames) and the labs already running go first; 0 to leave it as the server's")
	memberMem := int64(serve.DefaultMemberMemory)
	fs.Var(confine.BytesFlag{P: &memberMem}, "member-memory", fmt.Sprintf("most memory each process of a session's TUI may write to (RLIMIT_DATA, soft and hard: one member can only end their own session), at least --max-memory; the terminal is clamped to %dx%d", serve.MaxCols, serve.MaxRows))
	idle := fs.Duration("idle-timeout", 30*time.Minute, "end a session after this long without a key, a paste or a new window size from its member; keepalives do not count (0: never)")
	session := fs.Duration("session-timeout", 4*time.Hour, "end any session after this long (0: never)")
	limits := addLimitFlags(fs)
	rest, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("serve", assets.T(helpLang(*lang), "serve.usage")+"\n\n"+budgetHelp(helpLang(*lang)))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	if err := checkLang(*lang); err != nil {
		fmt.Fprintln(os.Stderr, "nettutor:", err)
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(os.Stderr, "nettutor serve: unexpected argument %q (see nettutor serve --help)\n", rest[0])
		return 2
	}
	if *authorized == "" && *presenters == "" {
		fmt.Fprintln(os.Stderr, "nettutor serve: give --authorized-keys FILE (members) and/or --presenter-keys FILE (see nettutor serve --help)")
		return 2
	}
	if *maxSessions < 0 || *idle < 0 || *session < 0 {
		fmt.Fprintln(os.Stderr, "nettutor serve: --max-sessions, --idle-timeout and --session-timeout must not be negative")
		return 2
	}
	if *maxStarting < 0 || *memberNice < 0 || *memberNice > 19 {
		fmt.Fprintln(os.Stderr, "nettutor serve: --max-starting must not be negative, --member-nice must be 0 to 19")
		return 2
	}
	if *perKey < 1 || *unauthAddr < 1 || *unauth < 1 || *handshake < time.Second {
		fmt.Fprintln(os.Stderr, "nettutor serve: --max-sessions-per-key, --max-unauth-per-address and --max-unauth must be at least 1, --handshake-timeout at least 1s")
		return 2
	}
	if err := limits.apply(); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	// A lab's processes set their own --max-memory under the session's
	// bound, and a hard limit cannot be raised.
	if memberMem < confine.Current.Memory {
		fmt.Fprintf(os.Stderr, "nettutor serve: --member-memory %s is below --max-memory %s (a lab's processes run under it)\n",
			confine.FormatBytes(memberMem), confine.FormatBytes(confine.Current.Memory))
		return 2
	}
	// The machine's preflight, once: the operator's line and every
	// member's (serve.Config.StartLine).
	pre := preflight.Run(preflightSystem)
	srv, err := serve.New(serve.Config{
		Listen: *listen, HostKey: *hostKey, AuthorizedKeys: *authorized, PresenterKeys: *presenters,
		MaxSessions: *maxSessions, MaxSessionsPerKey: *perKey, HandshakeTimeout: *handshake,
		MaxUnauthPerAddr: *unauthAddr, MaxUnauth: *unauth, MemberMemory: memberMem,
		IdleTimeout: *idle, SessionTimeout: *session, Lang: *lang,
		ChildEnv: []string{confine.EnvLimits + "=" + confine.Current.Env()},
		// Every member's TUI would work out the same preflight and draw
		// the same picker while it starts: the server does both, once and
		// at once (issue 25).
		FirstFrame:  serveFirstFrame,
		StartLine:   func(lang string) string { return startupLine(pre, lang) },
		MaxStarting: *maxStarting,
		MemberNice:  *memberNice,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor serve: %v\n", firstLine(err))
		return 2
	}
	// The picker's lessons, parsed before the first member dials rather
	// than while they wait (serveFirstFrame).
	warmFirstFrame()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor serve: %v\n", firstLine(err))
		return 2
	}
	if line := startupLine(pre, *lang); line != "" {
		fmt.Fprintln(os.Stderr, line) // the operator learns once serving what members' labs will lack
	}
	// SIGHUP reads the key files again (a latecomer's key, no restart);
	// SIGINT and SIGTERM end every session, and their labs, then exit.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGHUP {
				_ = srv.ReloadKeys() // logged; the old keys stay on an error
				continue
			}
			_ = srv.Close()
			return
		}
	}()
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor serve: %v\n", err)
		return 1
	}
	_ = srv.Close()
	return 0
}
