package memtrim

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
)

// rss is this process's resident memory in KiB (VmRSS).
func rss(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.Fields(v)[0])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestReleaseGivesBackTheTables: the initialiser filled both tables (a
// decoder for every EtherType), and Release empties them and lowers the
// resident size by most of their 5 MiB.
func TestReleaseGivesBackTheTables(t *testing.T) {
	if layers.EthernetTypeMetadata[0x1234].DecodeWith == nil {
		t.Fatal("the initialiser did not fill the EtherType table: nothing to measure")
	}
	before := rss(t)
	Release()
	after := rss(t)
	if layers.EthernetTypeMetadata[0x1234].DecodeWith != nil || layers.PPPTypeMetadata[0x1234].Name != "" {
		t.Error("the tables are not empty after Release")
	}
	if before-after < 4<<10 {
		t.Errorf("resident size went from %d to %d KiB: want at least 4 MiB back", before, after)
	}
	t.Logf("VmRSS %d KiB -> %d KiB", before, after)
}
