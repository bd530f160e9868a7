package engine

// What iputils ping and OpenBSD nc print, rendered from what the Go probes
// measured, so that a probe's output is the tool's output up to RTT and
// timing (engine/fidelity_test.go holds them side by side).

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// PingError is an ICMP error that came back for one echo request, which
// ping prints as "From 11.11.11.1 icmp_seq=1 Destination Net Unreachable".
type PingError struct {
	Seq  int
	From string // the address that sent the ICMP error
	Type int    // ICMP type (3 destination unreachable, 11 time exceeded)
	Code int
}

// Text is pr_icmph's words for the error.
func (e PingError) Text() string {
	switch e.Type {
	case 3:
		words := []string{
			"Destination Net Unreachable", "Destination Host Unreachable", "Destination Protocol Unreachable",
			"Destination Port Unreachable", "Frag needed and DF set", "Source Route Failed",
			"Destination Net Unknown", "Destination Host Unknown", "Source Host Isolated",
			"Destination Net Prohibited", "Destination Host Prohibited",
			"Destination Net Unreachable for Type of Service", "Destination Host Unreachable for Type of Service",
			"Packet filtered", "Precedence Violation", "Precedence Cutoff",
		}
		if e.Code < len(words) {
			return words[e.Code]
		}
		return fmt.Sprintf("Dest Unreachable, Bad Code: %d", e.Code)
	case 11:
		if e.Code == 0 {
			return "Time to live exceeded"
		}
		if e.Code == 1 {
			return "Frag reassembly time exceeded"
		}
		return fmt.Sprintf("Time exceeded, Bad Code: %d", e.Code)
	}
	return fmt.Sprintf("Bad ICMP type: %d", e.Type)
}

// Errno is a system error as C's strerror words it ("Network is
// unreachable"), which is how ping and nc print it; Go's own text is in
// lower case. It unwraps to the syscall.Errno, so errors.Is works.
type Errno struct{ Errno syscall.Errno }

// Error implements error.
func (e Errno) Error() string {
	s := e.Errno.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Unwrap returns the syscall.Errno.
func (e Errno) Unwrap() error { return e.Errno }

// errnoOf finds the system error inside err (a *net.OpError, an
// *os.SyscallError), or returns err unchanged when there is none.
func errnoOf(err error) error {
	var en syscall.Errno
	if errors.As(err, &en) {
		return Errno{en}
	}
	return err
}

// Format prints the result as iputils ping does, to the byte, except that
// RTTs and the total time are the probe's own. A ping that could not
// start (no route: ping's connect fails) prints only ping's error line.
func (r PingResult) Format(dst string) string {
	if r.ConnectErr != nil {
		return "ping: connect: " + errnoOf(r.ConnectErr).Error() + "\n"
	}
	var b strings.Builder
	data := r.dataLen()
	fmt.Fprintf(&b, "PING %s (%s) %d(%d) bytes of data.\n", dst, dst, data, data+28)
	ri, ei := 0, 0
	// Replies and errors in the order they came, which is seq order: the
	// probe sends the next echo only after this one was answered or timed out.
	for ri < len(r.Replies) || ei < len(r.Errors) {
		if ei >= len(r.Errors) || (ri < len(r.Replies) && r.Replies[ri].Seq <= r.Errors[ei].Seq) {
			rp := r.Replies[ri]
			fmt.Fprintf(&b, "%d bytes from %s: icmp_seq=%d ttl=%d time=%s ms\n", data+8, dst, rp.Seq, rp.TTL, tripTime(rp.RTT.Microseconds()))
			ri++
			continue
		}
		e := r.Errors[ei]
		fmt.Fprintf(&b, "From %s icmp_seq=%d %s\n", e.From, e.Seq, e.Text())
		ei++
	}
	fmt.Fprintf(&b, "\n--- %s ping statistics ---\n", dst)
	fmt.Fprintf(&b, "%d packets transmitted, %d received", r.Sent, len(r.Replies))
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, ", +%d errors", len(r.Errors))
	}
	if r.Sent > 0 {
		loss := float32(float64(r.Sent-len(r.Replies)) * 100.0 / float64(r.Sent))
		fmt.Fprintf(&b, ", %s%% packet loss", strconv.FormatFloat(float64(loss), 'g', 6, 32))
		fmt.Fprintf(&b, ", time %dms", (r.Elapsed+500*time.Microsecond)/time.Millisecond)
	}
	b.WriteString("\n")
	if n := int64(len(r.Replies)); n > 0 {
		var tsum, tsum2, tmin, tmax int64
		tmin = 1<<63 - 1
		for _, rp := range r.Replies {
			t := rp.RTT.Microseconds()
			tsum += t
			tsum2 += t * t
			tmin, tmax = min(tmin, t), max(tmax, t)
		}
		avg := tsum / n
		dev := isqrt((tsum2 - tsum*tsum/n) / n)
		fmt.Fprintf(&b, "rtt min/avg/max/mdev = %d.%03d/%d.%03d/%d.%03d/%d.%03d ms",
			tmin/1000, tmin%1000, avg/1000, avg%1000, tmax/1000, tmax%1000, dev/1000, dev%1000)
	}
	b.WriteString("\n")
	return b.String()
}

// tripTime is how ping prints one RTT in microseconds: three significant
// decimals below 1 ms, fewer as it grows.
func tripTime(t int64) string {
	switch {
	case t >= 100000-50:
		return strconv.FormatInt((t+500)/1000, 10)
	case t >= 10000-5:
		return fmt.Sprintf("%d.%01d", (t+50)/1000, ((t+50)%1000)/100)
	case t >= 1000:
		return fmt.Sprintf("%d.%02d", (t+5)/1000, ((t+5)%1000)/10)
	}
	return fmt.Sprintf("%d.%03d", t/1000, t%1000)
}

// isqrt is ping's llsqrt (Newton's method on integers).
func isqrt(a int64) int64 {
	prev, x := int64(1<<63-1), a
	if x > 0 {
		for x < prev {
			prev = x
			x = (x + a/x) / 2
		}
	}
	return x
}

// ncLine is what `nc -v` prints to stderr for a connection: success, or the
// reason it failed (OpenBSD netcat 1.2xx wording).
func ncLine(host, port string, err error) string {
	if err == nil {
		return fmt.Sprintf("Connection to %s %s port [tcp/%s] succeeded!\n", host, port, serviceName(port))
	}
	if errors.Is(err, ErrNoReply) {
		return fmt.Sprintf("nc: connect to %s port %s (tcp) timed out: Operation now in progress\n", host, port)
	}
	return fmt.Sprintf("nc: connect to %s port %s (tcp) failed: %s\n", host, port, errnoOf(err).Error())
}

// serviceName is getservbyport's answer from /etc/services, "*" when the
// port has no name there (as nc prints it).
func serviceName(port string) string {
	f, err := os.Open("/etc/services")
	if err != nil {
		return "*"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fs := strings.Fields(line)
		if len(fs) >= 2 && fs[1] == port+"/tcp" {
			return fs[0]
		}
	}
	return "*"
}

// icmpErrorFor reports whether m is an ICMP error (destination unreachable,
// time exceeded) about our echo request seq to dst, as ping matches them:
// the quoted header is addressed to dst and the quoted echo has our id.
func icmpErrorFor(m *icmp.Message, dst net.IP, id, seq int) (PingError, bool) {
	var data []byte
	switch b := m.Body.(type) {
	case *icmp.DstUnreach:
		data = b.Data
	case *icmp.TimeExceeded:
		data = b.Data
	default:
		return PingError{}, false
	}
	if len(data) < 20 {
		return PingError{}, false
	}
	hl := int(data[0]&0x0f) * 4
	if len(data) < hl+8 || !net.IP(data[16:20]).Equal(dst) || data[hl] != 8 {
		return PingError{}, false
	}
	qid, qseq := int(data[hl+4])<<8|int(data[hl+5]), int(data[hl+6])<<8|int(data[hl+7])
	if qid != id || qseq != seq {
		return PingError{}, false
	}
	typ, _ := m.Type.(ipv4.ICMPType)
	return PingError{Seq: seq, Type: int(typ), Code: m.Code}, true
}
