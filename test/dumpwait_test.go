package test

import "strconv"

// dumpsListening is the shell lines, for an oracle script, that wait until
// each of n tcpdumps started in the background (stderr to /tmp/dumpI.err)
// says "listening on": from then on it holds every packet the probe sends.
// A fixed pause (half a second) was too long on a quiet machine and too
// short on a loaded one (a capture that saw nothing). It gives up after 10
// s; the capture's own checks then say what it missed.
func dumpsListening(n int) string {
	if n == 0 {
		return ""
	}
	return "for i in $(seq 200); do ok=1; for d in $(seq 0 " + strconv.Itoa(n-1) +
		"); do grep -qs 'listening on' /tmp/dump$d.err || ok=0; done; [ $ok = 1 ] && break; sleep 0.05; done\n"
}
