package lessons

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// zeros is an endless reader, like /dev/zero on stdin.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

// TestReadBounded: regular files up to the limit are read; past it, and
// anything that is not a regular file, is refused with a typed error before
// a byte is read, and without waiting (a FIFO with no writer would hang a
// plain open or read forever).
func TestReadBounded(t *testing.T) {
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact.yaml")
	os.WriteFile(exact, bytes.Repeat([]byte("a"), 1000), 0o644)
	over := filepath.Join(dir, "over.yaml")
	os.WriteFile(over, bytes.Repeat([]byte("a"), 1001), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	link := filepath.Join(dir, "link.yaml")
	os.Symlink(exact, link)
	linkFifo := filepath.Join(dir, "link-fifo")
	os.Symlink(fifo, linkFifo)

	cases := []struct {
		path    string
		wantLen int
		kind    string // NotRegularError.Kind
		large   bool
		missing bool
	}{
		{path: exact, wantLen: 1000},
		{path: link, wantLen: 1000},
		{path: over, large: true},
		{path: fifo, kind: "fifo"},
		{path: linkFifo, kind: "fifo"},
		{path: "/dev/zero", kind: "device"},
		{path: "/dev/null", kind: "device"},
		{path: dir, kind: "folder"},
		{path: sock, kind: "socket"},
		{path: filepath.Join(dir, "nope"), missing: true},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			start := time.Now()
			b, err := ReadBounded(c.path, 1000)
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			var nr *NotRegularError
			var tl *TooLargeError
			switch {
			case c.wantLen > 0:
				if err != nil || len(b) != c.wantLen {
					t.Errorf("got %d bytes, %v", len(b), err)
				}
			case c.large:
				if !errors.As(err, &tl) || tl.Max != 1000 || tl.Path != c.path {
					t.Errorf("got %v, want a TooLargeError", err)
				}
			case c.missing:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("got %v, want not-exist", err)
				}
			default:
				if !errors.As(err, &nr) || nr.Kind != c.kind {
					t.Errorf("got %v, want NotRegularError %q", err, c.kind)
				}
			}
			if err != nil && b != nil {
				t.Errorf("bytes returned with an error")
			}
			if cerr := CheckBounded(c.path, 1000); (cerr == nil) != (err == nil) {
				t.Errorf("CheckBounded says %v, ReadBounded %v", cerr, err)
			}
		})
	}
}

// TestReadBoundedFrom: an endless stream stops one byte past the limit.
func TestReadBoundedFrom(t *testing.T) {
	z := &zeros{}
	_, err := ReadBoundedFrom(z, "-", MaxFileSize)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Path != "-" {
		t.Fatalf("got %v", err)
	}
	if z.n > MaxFileSize+64<<10 {
		t.Errorf("read %d bytes of an endless stream, want about %d", z.n, MaxFileSize+1)
	}
	b, err := ReadBoundedFrom(io.LimitReader(&zeros{}, MaxFileSize), "-", MaxFileSize)
	if err != nil || len(b) != MaxFileSize {
		t.Errorf("exactly the limit: %d bytes, %v", len(b), err)
	}
}

// TestLoadFileBounded: a lesson path naming a FIFO or /dev/zero is refused
// at once; a large file is refused without being parsed.
func TestLoadFileBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "lesson.yaml")
	syscall.Mkfifo(fifo, 0o644)
	big := filepath.Join(dir, "big.yaml")
	f, _ := os.Create(big)
	f.Truncate(100 << 20) // sparse: 100 MB that costs no disk
	f.Close()
	for _, p := range []string{fifo, "/dev/zero", big} {
		start := time.Now()
		_, err := LoadFile(p)
		var nr *NotRegularError
		var tl *TooLargeError
		if !errors.As(err, &nr) && !errors.As(err, &tl) {
			t.Errorf("%s: %v", p, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: took %v", p, d)
		}
	}
}
