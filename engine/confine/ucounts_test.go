package confine

// Issue 19, item 3: as root every lab has a host id range of its own, and
// its user namespace is made by that range's root, so the kernel's
// per-user pools (here inotify instances, fs.inotify.max_user_instances per
// user) count the lab apart from every other lab and from the host's root.
// Rootless, a lab counts in the user's own pools by design: there these
// tests assert that instead, so they run (and do not skip) as both.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
	"golang.org/x/sys/unix"
)

// inotifyHook is the lab program of these tests: the test binary itself
// (the lab's LabBinDir/nettutor), started under this name.
const inotifyHook = "nettutor-test-inotify"

func init() { reexec.Register(inotifyHook, inotifyHold) }

// inotifyHold makes inotify instances, as many as argv[1] says (0: until
// the kernel refuses), prints "held N ERR" and keeps them until its stdin
// closes. Harmless: the instances watch nothing and die with it.
func inotifyHold() {
	want, _ := strconv.Atoi(os.Args[1])
	n, why := 0, "none"
	for want == 0 || n < want {
		if _, err := unix.InotifyInit1(unix.IN_CLOEXEC); err != nil {
			why = unix.ErrnoName(err.(unix.Errno))
			break
		}
		n++
	}
	fmt.Printf("held %d %s\n", n, why)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// holdInotify starts inotifyHold in the lab and returns its "held" line;
// the program keeps what it holds until the test ends.
func holdInotify(t *testing.T, k *Keeper, want int) string {
	t.Helper()
	cmd := k.Command(Spec{Net: LabHostPin, Argv: []string{"bash", "-c",
		"exec -a " + inotifyHook + " " + LabBinDir + "/nettutor " + strconv.Itoa(want)}})
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("the lab's inotify program said nothing")
	}
	return ""
}

// nsOwner is the owner of the keeper's user namespace, as this process
// sees ids: the euid of the process that made it.
func nsOwner(t *testing.T, k *Keeper) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/user", k.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	uid, err := unix.IoctlGetUint32(int(f.Fd()), unix.NS_GET_OWNER_UID)
	if err != nil {
		t.Fatalf("NS_GET_OWNER_UID: %v", err)
	}
	return int(uid)
}

// TestLabInotifyPoolIsItsOwn: a lab that takes every inotify instance it
// can get leaves the host's root (this process) and a second lab able to
// make one; the lab itself gets no more (the control: its pool is full).
// On a build where every lab's user namespace is made by root, the lab
// takes root's whole pool and this test fails.
func TestLabInotifyPoolIsItsOwn(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	owner := nsOwner(t, k)
	if sandbox.Rootless() {
		// The sandbox's root is the user: a rootless lab's namespace is
		// the user's, and so are its pools. Nothing to take from root.
		if owner != 0 {
			t.Errorf("rootless: the lab's user namespace is owned by %d, want the sandbox's root (the user)", owner)
		}
		t.Logf("rootless: the lab's user namespace is the user's (owner %d in the sandbox), its pools are the user's by design", owner)
		return
	}
	if owner != k.Map.Outside {
		t.Fatalf("the lab's user namespace is owned by uid %d, want its own host root %d", owner, k.Map.Outside)
	}
	b, err := os.ReadFile("/proc/sys/fs/inotify/max_user_instances")
	if err != nil {
		t.Fatal(err)
	}
	limit, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	held := holdInotify(t, k, 0)
	t.Logf("lab 1 (host root %d): %s (max_user_instances %d)", k.Map.Outside, held, limit)
	if held != fmt.Sprintf("held %d EMFILE", limit) {
		t.Fatalf("lab 1: %q, want every instance of a pool of its own: \"held %d EMFILE\"", held, limit)
	}
	if got := holdInotify(t, k, 1); got != "held 0 EMFILE" {
		t.Errorf("control: lab 1 made another instance with its pool full: %q", got)
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		t.Errorf("HOLE: the host's root cannot make an inotify instance while a lab holds its own: %v", err)
	} else {
		unix.Close(fd)
	}
	k2 := startKeeper(t)
	pinHost(t, k2)
	if got := holdInotify(t, k2, 1); got != "held 1 none" {
		t.Errorf("HOLE: a second lab cannot make an inotify instance while lab 1 holds its own: %q", got)
	}
}

// TestLabRangesDisjoint: labs started at the same moment get host ranges
// that do not overlap, each owns its user namespace, and each range is
// locked (for every other nettutor of the machine) while its lab lives and
// free once it is closed. Rootless, every lab maps the user's range.
func TestLabRangesDisjoint(t *testing.T) {
	const n = 4
	keepers := make([]*Keeper, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range keepers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keepers[i], errs[i] = Start(DefaultLimits)
		}()
	}
	wg.Wait()
	for i, k := range keepers {
		if errs[i] != nil {
			t.Fatalf("lab %d: %v", i, errs[i])
		}
		t.Cleanup(func() { k.Close() })
	}
	if sandbox.Rootless() {
		for i, k := range keepers {
			if k.Map != keepers[0].Map || nsOwner(t, k) != 0 {
				t.Errorf("rootless lab %d: map %+v owner %d, want the user's %+v and 0", i, k.Map, nsOwner(t, k), keepers[0].Map)
			}
		}
		return
	}
	for i, a := range keepers {
		if a.Map.Size != labIDs || a.Map.Outside < privateBase || a.Map.Outside+rangeSize > privateEnd {
			t.Errorf("lab %d: map %+v is not a range of the pool", i, a.Map)
		}
		if o := nsOwner(t, a); o != a.Map.Outside {
			t.Errorf("lab %d: user namespace owned by %d, want %d", i, o, a.Map.Outside)
		}
		for j, b := range keepers[:i] {
			if a.Map.Outside < b.Map.Outside+b.Map.Size && b.Map.Outside < a.Map.Outside+a.Map.Size {
				t.Errorf("labs %d and %d share host ids: %+v, %+v", j, i, b.Map, a.Map)
			}
		}
	}
	// The lock another process would meet: taken while the lab lives,
	// free again after Close.
	locked := func(base int) bool {
		fd, err := unix.Openat(int(sandbox.HostLockDir().Fd()), strconv.Itoa(base), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("lock file of range %d: %v", base, err)
		}
		defer unix.Close(fd)
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			unix.Flock(fd, unix.LOCK_UN)
		}
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	base := keepers[0].Map.Outside
	if !locked(base) {
		t.Errorf("range %d is not locked while its lab lives", base)
	}
	keepers[0].Close()
	if locked(base) {
		t.Errorf("range %d is still locked after its lab closed", base)
	}
}

// TestReserveRange: the search skips ids the machine gave out and ranges
// another holder locked, wraps around the pool, and says so when the pool
// is full. A folder of its own, so it needs no root.
func TestReserveRange(t *testing.T) {
	d, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	slot := func(i int) int { return privateBase + i*rangeSize }
	// A user's subordinate range over the end of slot 1 and into slot 2.
	taken := [][2]int{{slot(2) - 10, slot(2) + 10}}
	a, la, err := reserveRange(d, taken, 1)
	if err != nil || a != slot(3) {
		t.Fatalf("from slot 1 past a taken range: %d, %v; want %d", a, err, slot(3))
	}
	b, lb, err := reserveRange(d, taken, 1)
	if err != nil || b != slot(4) {
		t.Fatalf("a second reservation: %d, %v; want %d (slot 3 is held)", b, err, slot(4))
	}
	c, lc, err := reserveRange(d, nil, rangeSlots-1)
	if err != nil || c != slot(rangeSlots-1) {
		t.Fatalf("the last slot: %d, %v", c, err)
	}
	w, lw, err := reserveRange(d, nil, rangeSlots-1)
	if err != nil || w != slot(0) {
		t.Fatalf("wrap around: %d, %v; want %d", w, err, slot(0))
	}
	la.Close()
	if a2, l, err := reserveRange(d, taken, 1); err != nil || a2 != slot(3) {
		t.Errorf("slot 3 after its holder closed: %d, %v", a2, err)
	} else {
		l.Close()
	}
	for _, l := range []*os.File{lb, lc, lw} {
		l.Close()
	}
	all := [][2]int{{0, privateEnd}}
	if _, _, err := reserveRange(d, all, 0); err == nil || !strings.Contains(err.Error(), "no free range") {
		t.Errorf("a full pool: %v", err)
	}
	if _, _, err := reserveRange(nil, nil, 0); err == nil {
		t.Errorf("no lock folder: no error")
	}
}

// BenchmarkLabRange is what a root lab's own range costs at its start:
// the machine's ids read, a range found and locked, then released.
func BenchmarkLabRange(b *testing.B) {
	if sandbox.Rootless() {
		b.Skip("rootless labs take the user's range: nothing is reserved")
	}
	for b.Loop() {
		_, lock, err := reserveLabMap()
		if err != nil {
			b.Fatal(err)
		}
		lock.Close()
	}
}
