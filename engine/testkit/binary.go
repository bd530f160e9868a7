package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The packages whose tests run the real nettutor binary (test, cmd/nettutor,
// serve) each built it, and `go test ./...` runs them as separate
// processes: three links of the same binary a run. NettutorBinary builds
// it once for all of them, into a folder of the temporary directory named
// by a hash of the module's sources, so a package's tests reuse the binary
// another package built from the same sources, and a changed source file
// means a new build, never a stale binary.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// NettutorBinary returns the path of a nettutor binary built from the
// module that holds the working directory (a package's tests run in its
// folder). NETTUTOR_TEST_BIN names a binary built already, for a run as a
// plain user from a copy of a package, which has no module to build. The
// folder it sits in is readable by every user (the rootless tests run the
// binary as a plain user); its parents must be too.
func NettutorBinary() (string, error) {
	if p := os.Getenv("NETTUTOR_TEST_BIN"); p != "" {
		return p, nil
	}
	binOnce.Do(func() { binPath, binErr = buildShared() })
	return binPath, binErr
}

// buildShared builds cmd/nettutor into $TMPDIR/nettutor-testbin-UID-HASH,
// under an flock of that folder's lock file so that two packages' tests
// starting at once build it once.
func buildShared() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	sum, err := sourceHash(root)
	if err != nil {
		return "", fmt.Errorf("hash the module's sources: %w", err)
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("nettutor-testbin-%d-%s", os.Geteuid(), sum[:16]))
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("make %s: %w", dir, err)
	}
	// The folder's name is known in advance: use it only if it is ours and
	// nobody else may write in it (a binary planted there would run as us).
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return "", fmt.Errorf("stat %s: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		return "", fmt.Errorf("%s is not a folder of uid %d that only it may write: remove it", dir, os.Geteuid())
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("open the build lock: %w", err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock the build: %w", err)
	}
	bin := filepath.Join(dir, "nettutor")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	pruneOld(dir)
	gobin := "go"
	if _, err := exec.LookPath("go"); err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	tmp := bin + ".new"
	cmd := exec.Command(gobin, "build", "-o", tmp, "./cmd/nettutor")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build nettutor: %v\n%s", err, out)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	// Renamed in place only once whole: a reader never sees half a binary.
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("install the built binary: %w", err)
	}
	return bin, nil
}

// moduleRoot is the nearest folder at or above the working directory that
// holds a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory (set NETTUTOR_TEST_BIN)")
		}
		dir = up
	}
}

// sourceHash hashes every file of the module the binary can be built from:
// each name and content but tests, testdata and version control, whose
// changes cannot change the binary. The go toolchain's version is in it
// too.
func sourceHash(root string) (string, error) {
	h := sha256.New()
	ver, _ := exec.Command("go", "env", "GOVERSION").Output()
	fmt.Fprintf(h, "go %s\n", strings.TrimSpace(string(ver)))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == ".git" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") || !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", rel)
		n, err := io.Copy(h, f)
		fmt.Fprintf(h, "\x00%d\n", n)
		return err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pruneOld removes the shared binaries of other sources (earlier edits)
// built more than a day ago, so that a working day's builds do not pile up
// in the temporary directory. A day: a run that started from one of them
// has long ended, whichever worktree it came from.
func pruneOld(keep string) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("nettutor-testbin-%d-*", os.Geteuid())))
	for _, d := range old {
		if d == keep {
			continue
		}
		st, err := os.Stat(filepath.Join(d, "lock"))
		if err == nil && time.Since(st.ModTime()) > 24*time.Hour {
			os.RemoveAll(d)
		}
	}
}
