package lessons

// The userns/remap proof. A file's owner alone proves nothing: the lab's
// root may chown a file to any uid the lab maps, so `touch proof; chown
// 165536 proof` would look like a remapped root's file. What the exercise
// asks for is a file written by the root of a remapped user namespace, so
// the file must say who wrote it: its content is the writer's own
// /proc/self/uid_map, and the check holds that map against the file's owner
// and against the lab's own map. Content can be typed by hand, though
// (issue 20: a process with uid 165536 in the lab's own namespace wrote a
// made-up map), so this `file_owner: {uid_map: true}` form is kept for
// lessons that use it, and userns/remap grades a live process instead
// (remapped, below).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
)

// maxProof is how much of the proof file is read: a uid_map has at most 340
// lines of three numbers.
const maxProof = 16 << 10

// uidRange is one line of a uid_map: inside, outside, count.
type uidRange struct{ inside, outside, count int }

// parseUIDMap reads uid_map text; it fails on anything but lines of three
// non-negative numbers, and on none.
func parseUIDMap(text string) ([]uidRange, error) {
	var m []uidRange
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("line %q is not \"inside outside count\"", clip(line, 40))
		}
		var r [3]int
		for i, s := range f {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("line %q is not \"inside outside count\"", clip(line, 40))
			}
			r[i] = n
		}
		if r[2] == 0 {
			return nil, fmt.Errorf("line %q maps no id", clip(line, 40))
		}
		m = append(m, uidRange{r[0], r[1], r[2]})
	}
	if len(m) == 0 {
		return nil, errors.New("it is empty")
	}
	return m, nil
}

// readLabFile reads at most max bytes of the regular lab file labPath,
// resolved inside the lab's root, as engine/confine does for the engine's
// own lab files: a link the answer left cannot lead out of the lab.
func readLabFile(lab *engine.Lab, labPath string, max int64) (string, error) {
	k := lab.Keeper()
	root, err := unix.Open(k.Root(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("open the lab root: %w", err)
	}
	defer unix.Close(root)
	how := &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(root, strings.TrimLeft(labPath, "/"), how)
	if err != nil {
		return "", &os.PathError{Op: "open", Path: labPath, Err: err}
	}
	f := os.NewFile(uintptr(fd), labPath)
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("stat %s: %w", labPath, err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", labPath)
	}
	b, err := io.ReadAll(io.LimitReader(f, max))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", labPath, err)
	}
	return string(b), nil
}

// remapProof checks that the file at labPath (shown as shown), owned by uid
// owner as the lab sees it, holds the uid_map of a user namespace nested
// in the lab whose root maps to a uid other than the lab's root, and that
// this uid owns the file: the file was written by that namespace's root.
// "" when it holds.
func (c *checker) remapProof(shown, labPath string, owner int) string {
	text, err := readLabFile(c.lab, labPath, maxProof)
	if err != nil {
		return fmt.Sprintf("%s cannot be read: %v", shown, err)
	}
	m, err := parseUIDMap(text)
	if err != nil {
		return fmt.Sprintf("%s holds no uid map (%v): write the writer's own, `cat /proc/self/uid_map > %s`, from inside the new user namespace", shown, err, shown)
	}
	lab := c.lab.Keeper().Map
	root := -1
	for _, r := range m {
		if r.inside == 0 && r.outside == lab.Outside && r.count == lab.Size {
			return fmt.Sprintf("%s holds the lab's own map (0 %d %d): it was read by the lab's root, not from inside a new user namespace", shown, lab.Outside, lab.Size)
		}
		if r.inside == 0 {
			root = r.outside
		}
	}
	switch {
	case root < 0:
		return fmt.Sprintf("the map in %s gives uid 0 no outside uid: its root is not mapped, so nobody wrote it as that root", shown)
	case root == 0:
		return fmt.Sprintf("the map in %s sends the writer's uid 0 to the lab's uid 0: root maps to root, nothing is remapped (--map-root-user does that)", shown)
	case owner != root:
		who := fmt.Sprintf("uid %d", owner)
		if owner < 0 {
			who = "a uid the lab does not map"
		}
		return fmt.Sprintf("the map in %s sends the writer's uid 0 to uid %d, but the file is owned by %s: it was not created by that namespace's root (or it was chowned afterwards)", shown, root, who)
	}
	return ""
}

// The live form of the proof (issue 20): a file's content is whatever its
// writer typed, so `contained` with ns `user` asks the kernel instead. The
// grader runs the learner's launcher with a command of its own, which
// leaves a file in the exercise folder (a volume, as `docker run -v`
// gives) and then sleeps; while it sleeps the grader reads, from outside,
// that process's user namespace, its uid_map and its uids (/proc/PID), and
// the file's owner. Nothing the answer writes or prints is believed.

// Causes of a failed `contained: {ns: user}` check.
const (
	CauseNoUserNS    = "no-userns"       // the command runs in the lab's own user namespace
	CauseNotUserRoot = "not-userns-root" // it has a user namespace, but is not its uid 0
	CauseRootToRoot  = "root-to-root"    // its root is the lab's root: nothing is remapped
)

func init() { Causes = append(Causes, CauseNoUserNS, CauseNotUserRoot, CauseRootToRoot) }

// remapFile is the file the grader's command leaves in dir.
func remapFile(dir, arg string) string {
	if dir == "" {
		dir = "/tmp"
	}
	return dir + "/left-by-" + arg
}

// remapCommand is the grader's command for a user check: it makes a file
// in the exercise folder, then becomes `sleep arg`, the process read.
func remapCommand(dir, arg string) []string {
	return []string{"sh", "-c", `: > "$0" 2>/dev/null; exec sleep "$1"`, remapFile(dir, arg), arg}
}

// euidOf reads the effective uid of a process as the engine sees it.
func euidOf(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			if f := strings.Fields(rest); len(f) >= 2 {
				return strconv.Atoi(f[1])
			}
		}
	}
	return 0, errors.New("no Uid line")
}

// insideOf maps an outside uid through m: the inside uid, or -1.
func insideOf(m []uidRange, outside int) int {
	for _, r := range m {
		if outside >= r.outside && outside < r.outside+r.count {
			return r.inside + outside - r.outside
		}
	}
	return -1
}

// outsideOf maps an inside uid through m: the outside uid, or -1.
func outsideOf(m []uidRange, inside int) int {
	for _, r := range m {
		if inside >= r.inside && inside < r.inside+r.count {
			return r.outside + inside - r.inside
		}
	}
	return -1
}

// labWho names a lab uid in a detail.
func labWho(uid int) string {
	switch {
	case uid == 0:
		return assets.C("fault.file.root")
	case uid < 0:
		return assets.C("fault.file.unmapped")
	}
	return assets.C("fault.file.uid", "uid", strconv.Itoa(uid))
}

// remapped holds when the launched command runs as uid 0 of a user
// namespace other than the lab's, whose uid 0 maps to a lab uid other than
// the lab's root, and the file it left is owned by that uid. Read from
// the engine, a process's uid_map and Uid line speak of the engine's ids
// (the opener's user namespace), which the lab's map turns into the lab's.
func (c *checker) remapped(l *launched, g AssertArgs) string {
	fail := func(cause, fault string) string {
		if cause != "" {
			launchCauses.Store(c, cause)
		}
		return fault
	}
	readErr := func(err error) string { return assets.C("fault.contained.read", "err", err.Error()) }
	mine, err := nsID(l.cmd, "user")
	if err != nil {
		return readErr(err)
	}
	euid, err := euidOf(l.cmd)
	if err != nil {
		return readErr(err)
	}
	if mine == l.host.ns["user"] {
		return fail(CauseNoUserNS, assets.C("fault.remap.no_userns", "who", labWho(c.lab.LabUID(euid))))
	}
	text, err := os.ReadFile(fmt.Sprintf("/proc/%d/uid_map", l.cmd))
	if err != nil {
		return readErr(err)
	}
	m, err := parseUIDMap(string(text))
	if err != nil {
		return fail(CauseNotUserRoot, assets.C("fault.remap.no_map"))
	}
	switch in := insideOf(m, euid); {
	case in < 0:
		return fail(CauseNotUserRoot, assets.C("fault.remap.unmapped", "who", labWho(c.lab.LabUID(euid))))
	case in != 0:
		return fail(CauseNotUserRoot, assets.C("fault.remap.not_root", "n", strconv.Itoa(in)))
	}
	root := c.lab.LabUID(outsideOf(m, 0))
	if root == 0 {
		return fail(CauseRootToRoot, assets.C("fault.remap.root_to_root"))
	}
	// The file the command left, as the lab sees its owner: what a
	// container's root leaves on a volume.
	shown := "$EXERCISE_DIR"
	st, err := c.lab.Keeper().Lstat(remapFile(c.env.ExerciseDir, l.arg))
	if err != nil {
		return assets.C("fault.remap.no_file", "dir", shown)
	}
	if owner := c.lab.LabUID(int(st.Uid)); owner != root {
		return assets.C("fault.remap.file_owner", "dir", shown, "who", labWho(owner), "want", strconv.Itoa(root))
	}
	return ""
}
