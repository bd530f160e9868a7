package engine

import (
	"errors"
	"syscall"

	"github.com/nettutor/nettutor/assets"
)

// ProbeError is a probe that failed: the namespace it ran in, what it did
// ("ping", "connect to"), where to, and why (ErrNoReply, or an Errno). Its
// Error is the English line transcripts always printed, "RED: ping
// 203.0.113.2: no reply"; Text says it in a learner's language.
type ProbeError struct {
	NS     string
	Op     string // "ping" or "connect to"
	Target string
	Err    error
}

// Error implements error.
func (e *ProbeError) Error() string {
	return e.NS + ": " + e.Op + " " + e.Target + ": " + e.Err.Error()
}

// Unwrap returns the cause, so errors.Is(err, ErrNoReply) holds.
func (e *ProbeError) Unwrap() error { return e.Err }

// Text is the error in lang, from assets/strings/probe.*.json. The
// system's own words (strerror) stay beside the translation, since that
// is what ping and nc print on a real host.
func (e *ProbeError) Text(lang string) string {
	key := "probe.ping"
	if e.Op != "ping" {
		key = "probe.connect"
	}
	return assets.M(lang, key, "ns", e.NS, "target", e.Target, "why", causeText(e.Err, lang))
}

// errnoKeys are the system errors a lab probe meets, with their strings.
var errnoKeys = map[syscall.Errno]string{
	syscall.ENETUNREACH:  "probe.enetunreach",
	syscall.EHOSTUNREACH: "probe.ehostunreach",
	syscall.ECONNREFUSED: "probe.econnrefused",
	syscall.ECONNRESET:   "probe.econnreset",
	syscall.ETIMEDOUT:    "probe.etimedout",
	syscall.EPERM:        "probe.eperm",
	syscall.EACCES:       "probe.eacces",
}

func causeText(err error, lang string) string {
	if errors.Is(err, ErrNoReply) {
		return assets.T(lang, "probe.no_reply")
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		if k, ok := errnoKeys[en]; ok {
			return assets.M(lang, k, "strerror", Errno{en}.Error())
		}
	}
	return err.Error()
}

// ErrorText says err in lang when it is an error of the engine's that has
// words for a learner (a ProbeError), else as err.Error().
func ErrorText(err error, lang string) string {
	var pe *ProbeError
	if errors.As(err, &pe) {
		return pe.Text(lang)
	}
	return err.Error()
}
