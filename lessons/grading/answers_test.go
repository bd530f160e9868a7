package grading

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nettutor/nettutor/lessons"
)

// TestAnswerFilesSymlinks: in a folder, a symlink to an answer is graded; a
// dangling one, one to a folder or a FIFO, a FIFO itself, a subfolder and a
// file past the limit are skipped, each with its reason; hidden files are
// left out. Given by name, a FIFO is bad input.
func TestAnswerFilesSymlinks(t *testing.T) {
	dir := t.TempDir()
	class := filepath.Join(dir, "class")
	os.Mkdir(class, 0o755)
	real := filepath.Join(dir, "real.sh")
	os.WriteFile(real, []byte("true\n"), 0o644)
	os.WriteFile(filepath.Join(class, "a.sh"), []byte("true\n"), 0o644)
	os.Symlink(real, filepath.Join(class, "b-link.sh"))
	os.Symlink(filepath.Join(dir, "gone.sh"), filepath.Join(class, "c-dangling.sh"))
	os.Symlink(dir, filepath.Join(class, "d-dirlink.sh"))
	syscall.Mkfifo(filepath.Join(class, "e-fifo.sh"), 0o644)
	os.Mkdir(filepath.Join(class, "f-sub"), 0o755)
	big, _ := os.Create(filepath.Join(class, "g-big.sh"))
	big.Truncate(lessons.MaxFileSize + 1)
	big.Close()
	os.WriteFile(filepath.Join(class, ".hidden.sh"), []byte("true\n"), 0o644)

	files, skipped, err := AnswerFiles("en", []string{class})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || filepath.Base(files[0]) != "a.sh" || filepath.Base(files[1]) != "b-link.sh" {
		t.Errorf("graded %v", files)
	}
	want := map[string]string{
		"c-dangling.sh": "a symlink to " + filepath.Join(dir, "gone.sh") + ", which does not exist",
		"d-dirlink.sh":  "a symlink to " + dir + ": not a regular file (a folder)",
		"e-fifo.sh":     "not a regular file (a FIFO)",
		"f-sub":         "not a regular file (a folder)",
		"g-big.sh":      "larger than 1024 KiB (the limit)",
	}
	if len(skipped) != len(want) {
		t.Errorf("skipped %+v", skipped)
	}
	for _, s := range skipped {
		if w := want[filepath.Base(s.Path)]; s.Reason != w {
			t.Errorf("%s skipped for %q, want %q", s.Path, s.Reason, w)
		}
	}
	var b strings.Builder
	_, skippedKo, _ := AnswerFiles("ko", []string{class})
	PrintSkipped(&b, "ko", skippedKo[:1])
	if !strings.Contains(b.String(), "건너뜀: 심볼릭 링크의 대상이 없습니다") {
		t.Errorf("Korean skip line: %q", b.String())
	}

	_, _, err = AnswerFiles("en", []string{filepath.Join(class, "e-fifo.sh")})
	if err == nil || !strings.Contains(err.Error(), "not a regular file (a FIFO)") {
		t.Errorf("a FIFO given by name: %v", err)
	}
	_, _, err = AnswerFiles("ko", []string{filepath.Join(class, "g-big.sh")})
	if err == nil || !strings.Contains(err.Error(), "크기 제한 1024 KiB를 넘습니다") {
		t.Errorf("a large file given by name: %v", err)
	}
}

// TestCapJobs: --jobs is capped by cores and by memory, with a note.
func TestCapJobs(t *testing.T) {
	cases := []struct {
		req, cores int
		avail      int64
		want       int
		note       bool
	}{
		{4, 8, 16 << 30, 4, false},
		{64, 8, 16 << 30, 8, true},
		{64, 64, 1 << 30, 6, true}, // 1 GiB / 150 MiB
		{8, 64, 100 << 20, 1, true},
		{8, 8, 0, 8, false}, // no /proc/meminfo: cores alone
	}
	for _, c := range cases {
		got, note := capJobs("en", c.req, c.cores, c.avail)
		if got != c.want || (note != "") != c.note {
			t.Errorf("capJobs(%d, %d cores, %d) = %d %q, want %d (note %v)", c.req, c.cores, c.avail, got, note, c.want, c.note)
		}
	}
	_, note := capJobs("en", 64, 2, 3<<30)
	if note != "--jobs 64 capped to 2 (2 cores, 3.0 GiB of memory available at about 150 MiB a job)" {
		t.Errorf("note %q", note)
	}
	if n, _ := CapJobs("en", 1<<20); n < 1 || n > 1<<20 {
		t.Errorf("CapJobs here: %d", n)
	}
}
