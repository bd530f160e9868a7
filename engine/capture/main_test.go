package capture

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

func TestMain(m *testing.M) {
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		if os.Getenv("CI") == "true" {
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "capture tests skipped: no lab sandbox on this machine")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lab is RED (veth0, 11.11.11.2/24) and BLUE (veth1, 11.11.11.3/24) joined
// by a veth pair, built with netlink in fresh namespaces inside the sandbox.
type lab struct {
	red, blue         netns.NsHandle
	redPath, bluePath string
	redMAC, blueMAC   net.HardwareAddr
}

var labCount atomic.Int32

var (
	labRed  = net.IPv4(11, 11, 11, 2).To4()
	labBlue = net.IPv4(11, 11, 11, 3).To4()
)

func newLab(t testing.TB) *lab {
	t.Helper()
	n := labCount.Add(1)
	l := &lab{redPath: fmt.Sprintf("/run/netns/RED%d", n), bluePath: fmt.Sprintf("/run/netns/BLUE%d", n)}
	var err error
	if l.red, err = nsutil.NewPinned(l.redPath); err != nil {
		t.Fatal(err)
	}
	if l.blue, err = nsutil.NewPinned(l.bluePath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.red.Close()
		l.blue.Close()
		_ = nsutil.Unpin(l.redPath)
		_ = nsutil.Unpin(l.bluePath)
	})
	// No IPv6 on the lab links: router and neighbour solicitations and MLD
	// reports would otherwise appear at random times in the captures.
	for _, ns := range []netns.NsHandle{l.red, l.blue} {
		_ = nsutil.Do(ns, func() error {
			for _, k := range []string{"all", "default"} {
				_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+k+"/disable_ipv6", []byte("1"), 0o644)
			}
			return nil
		})
	}
	hr, err := netlink.NewHandleAt(l.red)
	if err != nil {
		t.Fatal(err)
	}
	defer hr.Close()
	hb, err := netlink.NewHandleAt(l.blue)
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Close()
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "veth0"}, PeerName: "veth1", PeerNamespace: netlink.NsFd(int(l.blue))}
	if err := hr.LinkAdd(veth); err != nil {
		t.Fatalf("add veth pair: %v", err)
	}
	setup := func(h *netlink.Handle, name string, ip net.IP) net.HardwareAddr {
		link, err := h.LinkByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.AddrAdd(link, &netlink.Addr{IPNet: &net.IPNet{IP: ip, Mask: net.CIDRMask(24, 32)}}); err != nil {
			t.Fatal(err)
		}
		if err := h.LinkSetUp(link); err != nil {
			t.Fatal(err)
		}
		if lo, err := h.LinkByName("lo"); err == nil {
			_ = h.LinkSetUp(lo)
		}
		return link.Attrs().HardwareAddr
	}
	l.redMAC = setup(hr, "veth0", labRed)
	l.blueMAC = setup(hb, "veth1", labBlue)
	return l
}

func (l *lab) point(side, filter string) Point {
	if side == "RED" {
		return Point{NS: "RED", NSPath: l.redPath, Iface: "veth0", Filter: filter}
	}
	return Point{NS: "BLUE", NSPath: l.bluePath, Iface: "veth1", Filter: filter}
}

// ping sends one ICMP echo from RED to BLUE and waits for the reply.
func (l *lab) ping(t testing.TB, id, seq int) {
	t.Helper()
	var conn *icmp.PacketConn
	err := nsutil.Do(l.red, func() (err error) {
		conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		t.Fatalf("open ICMP socket in RED: %v", err)
	}
	defer conn.Close()
	data := make([]byte, 56)
	for i := range data {
		data[i] = byte(i)
	}
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: data}}
	b, _ := msg.Marshal(nil)
	if _, err := conn.WriteTo(b, &net.IPAddr{IP: labBlue}); err != nil {
		t.Fatalf("send echo: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no echo reply: %v", err)
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && m.Type == ipv4.ICMPTypeEchoReply && e.ID == id && e.Seq == seq {
			return
		}
	}
}

// inNS runs fn with sockets it opens placed in ns.
func inNS[T any](t testing.TB, ns netns.NsHandle, fn func() (T, error)) T {
	t.Helper()
	var v T
	if err := nsutil.Do(ns, func() (err error) { v, err = fn(); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

// waitFor polls until cond holds or the timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

// tcpdumpLines reads a capture file with `tcpdump -n -r` and returns each
// packet's line without its timestamp. Continuation lines of one packet
// (VXLAN's inner frame) are joined with ": "; hex dump lines are dropped.
// extra goes after the file: more options (-T vxlan) or a filter.
func tcpdumpLines(t testing.TB, file string, extra ...string) []string {
	t.Helper()
	path, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not installed")
	}
	cmd := exec.Command(path, append([]string{"-n", "-r", file}, extra...)...)
	if sandbox.Rootless() {
		// Root of a user namespace cannot become tcpdump's unprivileged
		// user (nor call setgroups for -Z root): run it in a nested user
		// namespace as a plain user, so it has nothing to drop.
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Cloneflags:                 syscall.CLONE_NEWUSER,
			UidMappings:                []syscall.SysProcIDMap{{ContainerID: 1000, HostID: os.Getuid(), Size: 1}},
			GidMappings:                []syscall.SysProcIDMap{{ContainerID: 1000, HostID: os.Getgid(), Size: 1}},
			GidMappingsEnableSetgroups: false,
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v\n%s", file, err, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		s := sc.Text()
		if strings.HasPrefix(s, "\t0x") {
			// tcpdump ends the line before a hex dump with ": ".
			if n := len(lines); n > 0 {
				lines[n-1] = strings.TrimSuffix(lines[n-1], ":")
			}
			continue
		}
		if len(s) > 16 && s[2] == ':' && s[5] == ':' && s[8] == '.' {
			_, rest, _ := strings.Cut(s, " ")
			lines = append(lines, strings.TrimRight(rest, " "))
			continue
		}
		if len(lines) > 0 {
			lines[len(lines)-1] += ": " + strings.TrimRight(s, " ")
		}
	}
	return lines
}

func writeTemp(t testing.TB, name string, write func(f *os.File) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
