package confine

import (
	"strings"
	"testing"
)

// TestLabPathDropsWritableFolders: a folder the lab can write (its own
// /root, /home, /tmp) never reaches a lab program's PATH, so nothing the lab
// plants there can stand in for ip, iptables, bash or prlimit; the
// read-only system folders stay, in the invoker's order.
func TestLabPathDropsWritableFolders(t *testing.T) {
	got := withSbin("/root/bin:/usr/local/go/bin:/home/kim/.local/bin:/tmp:bin:/usr/bin:/usr/../root/x:/bin")
	for _, bad := range []string{"/root/bin", "/home/kim/.local/bin", "/tmp", "bin:", "/usr/../root/x"} {
		if strings.Contains(got+":", bad+":") || strings.Contains(":"+got+":", ":"+bad) {
			t.Errorf("PATH %q keeps %q", got, bad)
		}
	}
	if !strings.HasPrefix(got, "/usr/local/go/bin:/usr/bin:/bin:") {
		t.Errorf("PATH %q lost the invoker's read-only folders or their order", got)
	}
	for _, want := range []string{"/usr/sbin", "/sbin", LabBinDir} {
		if !strings.Contains(":"+got+":", ":"+want+":") {
			t.Errorf("PATH %q lacks %s", got, want)
		}
	}
}
