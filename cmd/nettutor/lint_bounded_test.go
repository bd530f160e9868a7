package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLintBounded: lint refuses a FIFO, a device and a file past 1 MiB at
// once, with one line each in the chosen language and exit 2, and goes on
// to the next file.
func TestLintBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	f, _ := os.Create(big)
	f.Truncate(100 << 20) // sparse
	f.Close()
	cases := []struct {
		path, lang, want string
	}{
		{fifo, "en", fifo + ": not a regular file (a FIFO)"},
		{"/dev/zero", "en", "/dev/zero: not a regular file (a device)"},
		{big, "en", big + ": larger than 1024 KiB (the limit)"},
		{dir, "ko", dir + ": 일반 파일이 아닙니다 (폴더)"},
		{big, "ko", big + ": 크기 제한 1024 KiB를 넘습니다"},
	}
	for _, c := range cases {
		start := time.Now()
		r := runCLI(t, nil, "lint", "--lang", c.lang, c.path)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", c.path, d)
		}
		badInputLine(t, r, "nettutor lint: "+c.want)
	}
	// The refusal does not stop the other files from being linted.
	r := runCLI(t, nil, "lint", fifo, "../../lessons/testdata/mini.yaml")
	if r.code != 2 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}
