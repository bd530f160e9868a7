package grading

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/lessons"
)

// MaxTimeout is the longest time limit an answer may be given. Past it the
// grader's own deadline (the limit plus a minute) would overflow a
// time.Duration long before any class would wait for it.
const MaxTimeout = time.Hour

// JobMemory is what one child grader is assumed to need at most: the
// nettutor processes of its sandbox, its lab's namespaces and the answer.
// --jobs is capped so that this many fit in MemAvailable.
const JobMemory = 150 << 20

// Skipped is an entry of an answer folder that is not graded, and why.
type Skipped struct {
	Path   string // absolute
	Reason string // in the run's language
}

// AnswerFiles expands the answers given (files, folders, or "-" for
// standard input alone) into the absolute paths to grade, in the order
// given; a folder's files sorted by name, hidden ones left out. A file
// given by name must be a regular file of at most lessons.MaxFileSize bytes
// (bad input otherwise); an entry of a folder that is not one (a dangling
// symlink, a FIFO, a subfolder, a file too large) is returned as skipped
// with the reason, never dropped in silence. A symlink to a good file is
// graded. Nothing is read.
func AnswerFiles(lang string, given []string) ([]string, []Skipped, error) {
	var out []string
	var skipped []Skipped
	for _, p := range given {
		if p == "-" {
			if len(given) > 1 {
				return nil, nil, errors.New(assets.T(lang, "check.stdin_alone"))
			}
			return []string{"-"}, nil, nil
		}
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil, errors.New(assets.Tf(lang, "check.no_file", p))
			}
			return nil, nil, errors.New(assets.Tf(lang, "check.unreadable", p, unwrapPathErr(err)))
		}
		if !st.IsDir() {
			if err := lessons.CheckBounded(p, lessons.MaxFileSize); err != nil {
				return nil, nil, errors.New(assets.Tf(lang, "check.answer_refused", FileErrorText(lang, p, err)))
			}
			abs, _ := filepath.Abs(p)
			out = append(out, abs)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, nil, errors.New(assets.Tf(lang, "check.unreadable", p, unwrapPathErr(err)))
		}
		n := 0
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			abs, _ := filepath.Abs(filepath.Join(p, e.Name()))
			if err := lessons.CheckBounded(abs, lessons.MaxFileSize); err != nil {
				skipped = append(skipped, Skipped{Path: abs, Reason: skipReason(lang, e, abs, err)})
				continue
			}
			out = append(out, abs)
			n++
		}
		if n == 0 {
			return nil, skipped, errors.New(assets.Tf(lang, "check.empty_dir", p))
		}
	}
	return out, skipped, nil
}

// skipReason says, in lang, why a folder entry is not graded.
func skipReason(lang string, e fs.DirEntry, path string, err error) string {
	if e.Type()&fs.ModeSymlink != 0 {
		target, _ := os.Readlink(path)
		if errors.Is(err, fs.ErrNotExist) {
			return assets.Tf(lang, "check.skip_dangling", Clean(target))
		}
		return assets.Tf(lang, "check.skip_link", Clean(target), reasonOnly(lang, err))
	}
	return reasonOnly(lang, err)
}

// reasonOnly renders err without the path it names.
func reasonOnly(lang string, err error) string {
	var nr *lessons.NotRegularError
	var tl *lessons.TooLargeError
	switch {
	case errors.As(err, &nr):
		return assets.Tf(lang, "cli.not_regular_kind", assets.T(lang, "cli.kind_"+strings.ReplaceAll(nr.Kind, " ", "_")))
	case errors.As(err, &tl):
		return assets.Tf(lang, "cli.too_large_size", tl.Max>>10)
	}
	return Clean(unwrapPathErr(err).Error())
}

// FileErrorText renders an error of lessons.ReadBounded or CheckBounded for
// path in lang: "PATH: not a regular file (a fifo)", "PATH: larger than
// 1024 KiB (the limit)", or the open error's own text.
func FileErrorText(lang, path string, err error) string {
	return assets.Tf(lang, "cli.file_refused", Clean(path), reasonOnly(lang, err))
}

// PrintSkipped prints one line per skipped folder entry.
func PrintSkipped(w io.Writer, lang string, skipped []Skipped) {
	for _, s := range skipped {
		fmt.Fprintln(w, "nettutor check: "+assets.Tf(lang, "check.skipped", DisplayPath(s.Path), s.Reason))
	}
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CapJobs caps the number of child graders run at once by the machine's
// cores and by its available memory (JobMemory each, MemAvailable from
// /proc/meminfo). It returns the cap and, when it lowered requested, a note
// in lang saying so.
func CapJobs(lang string, requested int) (int, string) {
	return capJobs(lang, requested, runtime.NumCPU(), memAvailable())
}

func capJobs(lang string, requested, cores int, avail int64) (int, string) {
	jobs := min(requested, max(cores, 1))
	byMem := requested
	if avail > 0 {
		byMem = max(int(avail/JobMemory), 1)
		jobs = min(jobs, byMem)
	}
	if jobs == requested {
		return jobs, ""
	}
	return jobs, assets.Tf(lang, "check.jobs_capped", requested, jobs, cores, float64(avail)/(1<<30), JobMemory>>20)
}

// memAvailable reads MemAvailable from /proc/meminfo, in bytes; 0 when it
// cannot be read (then memory caps nothing).
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != "MemAvailable" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return n << 10
	}
	return 0
}
