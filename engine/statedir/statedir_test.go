package statedir

import "testing"

func TestDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if got := Dir(); got != "/x/state/nettutor" {
		t.Errorf("Dir() = %q with XDG_STATE_HOME set", got)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/ann")
	if got := Dir(); got != "/home/ann/.local/state/nettutor" {
		t.Errorf("Dir() = %q without XDG_STATE_HOME", got)
	}
}
