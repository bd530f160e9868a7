package lessons

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxFileSize is the largest lesson file or answer script nettutor reads
// (1 MiB). The biggest built-in lesson is a few dozen KiB; the limit is
// there so that a path naming /dev/zero, or a 100 MB file, costs nothing.
const MaxFileSize = 1 << 20

// TooLargeError says a file or a stream holds more than the limit.
type TooLargeError struct {
	Path string // as given; "-" for standard input
	Max  int64  // the limit in bytes
}

// Error implements error.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: larger than %d KiB (the limit)", e.Path, e.Max>>10)
}

// NotRegularError says a path names something other than a regular file:
// a folder, a FIFO, a device or a socket. Nothing was read from it.
type NotRegularError struct {
	Path string
	Kind string // "folder", "fifo", "device", "socket" or "special file"
}

// Error implements error.
func (e *NotRegularError) Error() string {
	kind := e.Kind
	if kind == "fifo" {
		kind = "FIFO"
	}
	return fmt.Sprintf("%s: not a regular file (a %s)", e.Path, kind)
}

// openBounded opens path for reading without blocking and without taking a
// controlling terminal, and refuses anything but a regular file of at most
// max bytes before a byte is read: a FIFO must not hang the open or the
// read, and a device must not be read at all.
func openBounded(path string, max int64) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			// open(2) on a socket: say what it is rather than "no such device".
			if st, serr := os.Stat(path); serr == nil && st.Mode()&os.ModeSocket != 0 {
				return nil, &NotRegularError{Path: path, Kind: "socket"}
			}
		}
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	if kind := fileKind(st.Mode); kind != "" {
		syscall.Close(fd)
		return nil, &NotRegularError{Path: path, Kind: kind}
	}
	if st.Size > max {
		syscall.Close(fd)
		return nil, &TooLargeError{Path: path, Max: max}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// fileKind names a non-regular file type, "" for a regular file.
func fileKind(mode uint32) string {
	switch mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		return ""
	case syscall.S_IFDIR:
		return "folder"
	case syscall.S_IFIFO:
		return "fifo"
	case syscall.S_IFCHR, syscall.S_IFBLK:
		return "device"
	case syscall.S_IFSOCK:
		return "socket"
	default:
		return "special file"
	}
}

// CheckBounded reports whether ReadBounded(path, max) would accept the file,
// without reading it: a *NotRegularError, a *TooLargeError, or the error of
// the open (wrapped in *os.PathError, so errors.Is(err, fs.ErrNotExist)
// works).
func CheckBounded(path string, max int64) error {
	f, err := openBounded(path, max)
	if err != nil {
		return err
	}
	return f.Close()
}

// ReadBounded reads a regular file of at most max bytes. Lesson files and
// answer scripts are read only through it: see openBounded for what it
// refuses, and when. A file that grows past max while it is read is
// refused too.
func ReadBounded(path string, max int64) ([]byte, error) {
	f, err := openBounded(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadBoundedFrom(f, path, max)
}

// ReadBoundedFrom reads at most max bytes from r (standard input for
// `--answer -`), named name in the error. It reads max+1 bytes at most, so
// an endless stream (/dev/zero) stops at once with a *TooLargeError.
func ReadBoundedFrom(r io.Reader, name string, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, &TooLargeError{Path: name, Max: max}
	}
	return b, nil
}
