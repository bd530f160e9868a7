package test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
)

// binarySniff is how much of a file is looked at, as git and grep do.
const binarySniff = 8 << 10

// isBinary reports whether a file's first bytes hold a NUL, the test git
// itself uses to call a file binary.
func isBinary(head []byte) bool { return bytes.IndexByte(head, 0) >= 0 }

// allowedBinary are tracked files that may be binary: packet captures kept
// as test data (none today; .gitignore keeps every other *.pcap out).
func allowedBinary(name string) bool {
	return strings.Contains("/"+name, "/testdata/") && (path.Ext(name) == ".pcap" || path.Ext(name) == ".pcapng")
}

// TestNoTrackedBinary fails when the repository tracks a binary file, such
// as a compiled test binary (a 12.6 MB tui/tui.test once was): a clone must
// hold sources only.
func TestNoTrackedBinary(t *testing.T) {
	if !isBinary([]byte("ELF\x7f\x02\x01\x00\x00")) || isBinary([]byte("package main\n// 한국어\n")) {
		t.Fatal("isBinary is wrong")
	}
	if !allowedBinary("engine/capture/testdata/arp.pcap") || allowedBinary("tui/tui.test") || allowedBinary("x.pcap") {
		t.Fatal("allowedBinary is wrong")
	}
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: git ls-files: %v", err)
		}
		t.Skipf("not a git checkout here: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 50 {
		t.Fatalf("git ls-files listed only %d files", len(files))
	}
	var bad []string
	for _, name := range files {
		f, err := os.Open("../" + name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			f.Close()
			continue // a symlink or a submodule: no content of its own here
		}
		head := make([]byte, binarySniff)
		n, err := io.ReadFull(f, head)
		f.Close()
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			t.Fatalf("%s: %v", name, err)
		}
		if isBinary(head[:n]) && !allowedBinary(name) {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		t.Errorf("binary files are tracked (git rm --cached them and add a .gitignore pattern): %s", strings.Join(bad, ", "))
	}
}
