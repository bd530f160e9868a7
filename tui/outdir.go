package tui

import (
	"os"
	"path/filepath"
)

// outputDir is where the TUI writes what a learner asks it to keep (a
// pcap, a study note): the current folder when it is writable, else
// nettutor's folder in the XDG state directory, else the system's temporary
// folder. The status line then says where the file went.
func outputDir() string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	if st := os.Getenv("XDG_STATE_HOME"); st != "" {
		dirs = append(dirs, filepath.Join(st, "nettutor"))
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "state", "nettutor"))
	}
	dirs = append(dirs, os.TempDir())
	for _, d := range dirs {
		if writable(d) {
			return d
		}
	}
	return os.TempDir()
}

// writable says whether a file can be made in d (made first if missing).
func writable(d string) bool {
	if err := os.MkdirAll(d, 0o755); err != nil {
		return false
	}
	f, err := os.CreateTemp(d, ".nettutor-write-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return true
}
