package capture

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// socketMaps counts the process's mappings of sockets: the TPACKET_V3
// rings, one per point, as the kernel lists them in /proc/self/maps.
func socketMaps(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "socket:[")
}

// A budget refuses the point past its cap with a BudgetError, charges each
// point its ring as mapped, and gets it back when the point stops: the
// ring is unmapped then, and the budget takes a new point again.
func TestBudgetPointsAndRings(t *testing.T) {
	l := newLab(t)
	b := NewBudget()
	b.MaxPoints = 2
	maps0 := socketMaps(t)
	red, err := Start(l.point("RED", ""), b.ShellOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer red.Stop()
	blue, err := Start(l.point("BLUE", ""), b.PointOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer blue.Stop()
	st := b.Stats()
	if st.Points != 2 || st.RingBytes != DefaultShellRing+DefaultPointRing {
		t.Errorf("budget holds %d points, %d ring bytes; want 2, %d", st.Points, st.RingBytes, DefaultShellRing+DefaultPointRing)
	}
	if red.Stats().Method != "tpacket_v3" || blue.Stats().Method != "tpacket_v3" {
		t.Fatalf("methods %s, %s: want rings (tpacket_v3)", red.Stats().Method, blue.Stats().Method)
	}
	if n := socketMaps(t) - maps0; n != 2 {
		t.Errorf("%d rings mapped for 2 points", n)
	}
	_, err = Start(l.point("RED", "icmp"), b.ShellOptions())
	var be *BudgetError
	if !errors.As(err, &be) || be.MaxPoints != 2 || !strings.Contains(err.Error(), "2 points open (limit 2)") {
		t.Fatalf("a third point under a budget of 2: %v", err)
	}
	if st := b.Stats(); st.Points != 2 {
		t.Errorf("a refused point changed the count: %+v", st)
	}
	if err := red.Stop(); err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Points != 1 || st.RingBytes != DefaultPointRing {
		t.Errorf("after one stop: %+v", st)
	}
	if n := socketMaps(t) - maps0; n > 1 {
		t.Errorf("%d rings still mapped with one point open", n)
	}
	again, err := Start(l.point("RED", ""), b.ShellOptions())
	if err != nil {
		t.Fatalf("a point after one stopped: %v", err)
	}
	_ = again.Stop()
	_ = blue.Stop()
	if st := b.Stats(); st.Points != 0 || st.RingBytes != 0 {
		t.Errorf("after every stop: %+v", st)
	}
	if n := socketMaps(t) - maps0; n != 0 {
		t.Errorf("%d rings still mapped after every point stopped", n)
	}
}

// The ring bytes cap bites on its own, before the count: a lesson's 4 MiB
// rings under a 6 MiB budget.
func TestBudgetRingBytes(t *testing.T) {
	l := newLab(t)
	b := NewBudget()
	b.MaxRingBytes = 6 << 20
	c, err := Start(l.point("RED", ""), b.PointOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	_, err = Start(l.point("BLUE", ""), b.PointOptions())
	var be *BudgetError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "4 MiB of rings open, 4 MiB more would pass 6 MiB") {
		t.Fatalf("a second 4 MiB ring under 6 MiB: %v", err)
	}
	small, err := Start(l.point("BLUE", ""), b.ShellOptions())
	if err != nil {
		t.Fatalf("a 1 MiB ring still fits: %v", err)
	}
	_ = small.Stop()
}

// A ring under 2 MiB is made of smaller blocks, each still holding one
// frame of snaplen; the default ring is as before the budget.
func TestRingGeometry(t *testing.T) {
	for _, tc := range []struct {
		opts        Options
		size, bytes int
	}{
		{Options{}.withDefaults(), 1 << 20, 4 << 20},
		{Options{RcvBuf: DefaultShellRing}.withDefaults(), 512 << 10, 1 << 20},
		{Options{RcvBuf: 64 << 10}.withDefaults(), 512 << 10, 1 << 20},
		{Options{RcvBuf: 64 << 10, Snaplen: 256}.withDefaults(), 8 << 10, 64 << 10},
		{NewBudget().ShellOptions().withDefaults(), 128 << 10, DefaultShellRing},
		{NewBudget().PointOptions().withDefaults(), 1 << 20, DefaultPointRing},
	} {
		bs, _ := ringGeometry(tc.opts)
		if bs != tc.size || ringBytes(tc.opts) != tc.bytes || bs < tc.opts.Snaplen+tp3HdrLen {
			t.Errorf("RcvBuf %d snaplen %d: blocks of %d, %d in all; want %d, %d",
				tc.opts.RcvBuf, tc.opts.Snaplen, bs, ringBytes(tc.opts), tc.size, tc.bytes)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{32 << 20: "32 MiB", 1536 << 10: "1.5 MiB", 512 << 10: "512 KiB", 900: "900 B"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
