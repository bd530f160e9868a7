package tui

import (
	"strings"
	"testing"
)

// TestServeWritesNoFiles: under nettutor serve, w (pcap) and m (study
// note) write nothing and say that the file would stay on the server,
// instead of showing the member a path of the server's.
func TestServeWritesNoFiles(t *testing.T) {
	d, _ := newServeDriver(t)
	d.keys("down", "enter")
	d.waitFor("veth open", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && !m.lesson.opening })
	for _, c := range []struct{ key, want string }{
		{"w", "no pcap under nettutor serve"},
		{"m", "no study note under nettutor serve"},
	} {
		d.keys(c.key)
		d.waitFor(c.want, func(m *Model) bool { return strings.Contains(m.lesson.status, c.want) })
		if st := d.root().lesson.status; strings.Contains(st, "wrote") || strings.Contains(st, ".pcap") || strings.Contains(st, ".md") {
			t.Errorf("%s: the status names a file: %q", c.key, st)
		}
	}
}
