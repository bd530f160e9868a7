// Package statedir says where nettutor keeps a user's state between runs:
// progress, check tries, a server's host key and members' progress.
package statedir

import (
	"os"
	"path/filepath"
)

// Dir is $XDG_STATE_HOME/nettutor, or ~/.local/state/nettutor when
// XDG_STATE_HOME is unset (the XDG base directory default); ./.local/...
// when there is no home either.
func Dir() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			home = "."
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "nettutor")
}
