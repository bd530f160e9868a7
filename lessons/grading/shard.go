package grading

// Sharded class runs: `nettutor check EX --answer DIR --shard I/M` grades
// the I-th of M slices of the class (I from 0, as Kubernetes numbers an
// Indexed Job's pods in JOB_COMPLETION_INDEX), and `nettutor check merge`
// joins the shards' outputs into one report.
//
// A shard's output is JSON lines written by the grader alone (the
// answers' reports come through the child graders' report pipes, as in
// any class run): a header naming the exercise, the shard and the whole
// class list in order, one report per answer of the slice, and a trailer
// that says the shard ran to its end. Merge believes a shard only whole:
// a missing trailer, a missing or repeated answer, an answer of another
// slice, a second shard with the same index or two shards that disagree
// on the class are errors, kept in the merged report.

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Shard is one slice of a class: Index of Count, from 0.
type Shard struct {
	Index, Count int
}

// MaxShards bounds M (an Indexed Job's completions).
const MaxShards = 10000

// ParseShard reads "I/M" (0 <= I < M).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	m, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || m < 1 || m > MaxShards || i < 0 || i >= m {
		return Shard{}, fmt.Errorf("--shard %q: want I/M with 0 <= I < M <= %d (I is JOB_COMPLETION_INDEX, from 0)", s, MaxShards)
	}
	return Shard{i, m}, nil
}

// Slice is the shard's part of files: contiguous, in the given order, the
// sizes differing by at most one, so M shards hold every file exactly once.
func (s Shard) Slice(files []string) []string {
	n := len(files)
	return files[s.Index*n/s.Count : (s.Index+1)*n/s.Count]
}

// ShardHeader is a shard output's first line.
type ShardHeader struct {
	Exercise string   `json:"exercise"`
	Index    int      `json:"index"`
	Count    int      `json:"count"`
	Class    []string `json:"class"`  // every answer of the class, in order
	Digest   string   `json:"digest"` // sha256 of the class list, to compare shards at a glance
}

// ShardTrailer is a shard output's last line.
type ShardTrailer struct {
	Index  int `json:"index"`
	Graded int `json:"graded"` // reports written
}

// shardLine is one line of a shard output: exactly one field is set.
type shardLine struct {
	Shard  *ShardHeader  `json:"nettutor_shard,omitempty"`
	End    *ShardTrailer `json:"nettutor_shard_end,omitempty"`
	Report *Report       `json:"report,omitempty"`
}

// ClassDigest is the digest of a class list.
func ClassDigest(files []string) string {
	h := sha256.New()
	for _, f := range files {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ShardWriter writes a shard output.
type ShardWriter struct {
	w     io.Writer
	index int
	n     int
}

// NewShardWriter writes the header for shard s of class.
func NewShardWriter(w io.Writer, exercise string, s Shard, class []string) *ShardWriter {
	writeLine(w, shardLine{Shard: &ShardHeader{Exercise: exercise, Index: s.Index, Count: s.Count, Class: class, Digest: ClassDigest(class)}})
	return &ShardWriter{w: w, index: s.Index}
}

// Report writes one answer's report.
func (sw *ShardWriter) Report(r *Report) {
	sw.n++
	writeLine(sw.w, shardLine{Report: r})
}

// Close writes the trailer: the shard ran to its end.
func (sw *ShardWriter) Close() {
	writeLine(sw.w, shardLine{End: &ShardTrailer{Index: sw.index, Graded: sw.n}})
}

func writeLine(w io.Writer, l shardLine) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(l)
}

// Merged is the joined report of a class graded in shards.
type Merged struct {
	Exercise string    `json:"exercise"`
	Shards   int       `json:"shards"`
	Answers  []*Report `json:"answers"` // in class order; an answer no shard graded is an error report
	Passed   int       `json:"passed"`
	Errors   []string  `json:"errors,omitempty"` // what is wrong with the shards themselves
}

// Code is the merged exit status: 0 all passed, 1 some failed, 2 an
// answer not graded or a shard error.
func (m *Merged) Code() int {
	code := 0
	if len(m.Errors) > 0 {
		return 2
	}
	for _, r := range m.Answers {
		code = max(code, r.ExitCode())
	}
	return code
}

// maxShardLine bounds one line of a shard output (a report is at most
// MaxReport).
const maxShardLine = MaxReport + 64<<10

// MergeShards reads shard outputs and joins them. A file that cannot be
// read or parsed is an error in the result, never a reason to drop what
// the other shards say.
func MergeShards(paths []string) *Merged {
	m := &Merged{}
	var class []string
	digest := ""
	seenIndex := map[int]string{}
	got := map[string]*Report{}
	errf := func(format string, a ...any) { m.Errors = append(m.Errors, fmt.Sprintf(format, a...)) }
	type shardFile struct {
		path    string
		hdr     *ShardHeader
		reports []*Report
	}
	var shards []shardFile
	for _, p := range paths {
		sf, err := readShard(p)
		if err != nil {
			errf("%s: %v", p, err)
			if sf.hdr == nil {
				continue
			}
		}
		shards = append(shards, shardFile{p, sf.hdr, sf.reports})
	}
	for _, s := range shards {
		h := s.hdr
		if class == nil {
			class, digest, m.Exercise, m.Shards = h.Class, ClassDigest(h.Class), h.Exercise, h.Count
		}
		if ClassDigest(h.Class) != digest || h.Exercise != m.Exercise || h.Count != m.Shards {
			errf("%s: shard %d/%d of %s over another class than %s (%s, %d answers)", s.path, h.Index, h.Count, h.Exercise, shards[0].path, digest[:12], len(class))
			continue
		}
		if prev, dup := seenIndex[h.Index]; dup {
			errf("%s: shard %d/%d given twice (also %s)", s.path, h.Index, h.Count, prev)
			continue
		}
		seenIndex[h.Index] = s.path
		mine := map[string]bool{}
		for _, f := range (Shard{h.Index, h.Count}).Slice(class) {
			mine[f] = true
		}
		for _, r := range s.reports {
			switch {
			case !mine[r.Answer]:
				errf("%s: answer %s is not in shard %d/%d's slice", s.path, r.Answer, h.Index, h.Count)
			case got[r.Answer] != nil:
				errf("%s: answer %s graded twice", s.path, r.Answer)
			default:
				got[r.Answer] = r
			}
		}
	}
	for i := 0; i < m.Shards; i++ {
		if _, ok := seenIndex[i]; !ok {
			errf("shard %d/%d missing", i, m.Shards)
		}
	}
	for _, f := range class {
		r := got[f]
		if r == nil {
			errf("answer %s: no shard graded it", f)
			r = ErrorReport(m.Exercise, f, "not graded: no shard has a report for it")
		}
		if r.Passed && r.Error == "" {
			m.Passed++
		}
		m.Answers = append(m.Answers, r)
	}
	if len(shards) == 0 && len(m.Errors) == 0 {
		errf("no shard outputs")
	}
	return m
}

// parsedShard is one shard file as read.
type parsedShard struct {
	hdr     *ShardHeader
	reports []*Report
}

// readShard reads one shard output; hdr is set whenever the header was
// read, with an error when the rest is not whole.
func readShard(path string) (parsedShard, error) {
	var ps parsedShard
	f, err := os.Open(path)
	if err != nil {
		return ps, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxShardLine)
	n := 0
	var end *ShardTrailer
	for sc.Scan() {
		n++
		var l shardLine
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return ps, fmt.Errorf("line %d: %v", n, err)
		}
		switch {
		case n == 1 && l.Shard != nil:
			ps.hdr = l.Shard
		case n == 1:
			return ps, errors.New("line 1: not a shard header (nettutor check --shard writes one)")
		case end != nil:
			return ps, fmt.Errorf("line %d: after the shard's end", n)
		case l.End != nil:
			end = l.End
		case l.Report != nil:
			ps.reports = append(ps.reports, l.Report)
		default:
			return ps, fmt.Errorf("line %d: neither a report nor the shard's end", n)
		}
	}
	if err := sc.Err(); err != nil {
		return ps, err
	}
	if ps.hdr == nil {
		return ps, errors.New("empty: not a shard output")
	}
	if end == nil {
		return ps, fmt.Errorf("shard %d/%d has no end line: cut short (the grader stopped?)", ps.hdr.Index, ps.hdr.Count)
	}
	if end.Index != ps.hdr.Index || end.Graded != len(ps.reports) {
		return ps, fmt.Errorf("end line says shard %d with %d reports, the file has shard %d with %d", end.Index, end.Graded, ps.hdr.Index, len(ps.reports))
	}
	return ps, nil
}

// MergedResults turns the merged answers into class results, so the text
// report is the one an unsharded class run prints (PrintClassLine,
// PrintClassTable).
func (m *Merged) MergedResults() []*Result {
	out := make([]*Result, len(m.Answers))
	for i, r := range m.Answers {
		res := &Result{File: r.Answer, Code: r.ExitCode()}
		switch {
		case r.Interrupted:
			res.Interrupted = true
		case r.Error != "" && len(r.Checks) == 0:
			res.Err = r.Error
		default:
			res.Report = r
		}
		out[i] = res
	}
	return out
}

// WriteCSV writes a gradebook: one row per answer, in class order.
func (m *Merged) WriteCSV(w io.Writer) error {
	cw := newCSV(w)
	cw.row("answer", "passed", "checks_passed", "checks_total", "error")
	for _, r := range m.Answers {
		ok := 0
		for _, c := range r.Checks {
			if c.Passed {
				ok++
			}
		}
		cw.row(r.Answer, strconv.FormatBool(r.Passed && r.Error == ""), strconv.Itoa(ok), strconv.Itoa(len(r.Checks)), Clean(r.Error))
	}
	return cw.flush()
}

// csvWriter writes gradebook rows; a cell a spreadsheet would take for a
// formula (=, +, -, @ first) gets a leading ' so that it stays text.
type csvWriter struct{ w *csv.Writer }

func newCSV(w io.Writer) *csvWriter { return &csvWriter{csv.NewWriter(w)} }

func (c *csvWriter) row(cells ...string) {
	for i, s := range cells {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			cells[i] = "'" + s
		}
	}
	_ = c.w.Write(cells)
}

func (c *csvWriter) flush() error { c.w.Flush(); return c.w.Error() }
