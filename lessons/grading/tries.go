package grading

// Tries: `nettutor check` gives a failed check's second hint, the command
// that fixes it, once the same answer has failed before on this machine.
// The first failure names the cause only, so that a learner thinks before
// being handed the command.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// TriesPath is where check remembers which answers failed:
// $XDG_STATE_HOME/nettutor/check-tries.json (default ~/.local/state/...).
func TriesPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "nettutor", "check-tries.json")
}

// maxTries bounds the file: the oldest entries go first.
const maxTries = 500

// triesKey names one answer to one exercise with one seed: another seed is
// another lab, whose first failure again gets only the cause.
func triesKey(exercise, answer string, seed uint64) string {
	if abs, err := filepath.Abs(answer); err == nil {
		answer = abs
	}
	return fmt.Sprintf("%s %d %s", exercise, seed, answer)
}

type triesFile struct {
	Failed []string `json:"failed"` // keys of answers whose last grading failed, oldest first
}

func readTries(path string) triesFile {
	var f triesFile
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &f) // a broken file is as good as none
	}
	return f
}

// failedBefore says whether key's last grading failed.
func failedBefore(path, key string) bool {
	for _, k := range readTries(path).Failed {
		if k == key {
			return true
		}
	}
	return false
}

// recordTry remembers whether key's grading failed now. The file is a hint
// for the learner, not a record: an error writing it is returned but never
// fails the grading.
func recordTry(path, key string, failed bool) error {
	f := readTries(path)
	keep := f.Failed[:0]
	for _, k := range f.Failed {
		if k != key {
			keep = append(keep, k)
		}
	}
	if failed {
		keep = append(keep, key)
	}
	if len(keep) > maxTries {
		keep = keep[len(keep)-maxTries:]
	}
	b, err := json.Marshal(triesFile{Failed: keep})
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("remember the try: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("remember the try: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("remember the try: %w", err)
	}
	return nil
}
