package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSourceHash: the shared binary's key changes with a file the binary
// is built from, and not with a test, testdata or version control file.
func TestSourceHash(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hash := func() string {
		t.Helper()
		h, err := sourceHash(root)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	write("go.mod", "module x\n")
	write("cmd/x/main.go", "package main\nfunc main() {}\n")
	write("assets/a.json", "{}\n")
	base := hash()
	write("cmd/x/main_test.go", "package main\n")
	write("cmd/x/testdata/in.txt", "data\n")
	write(".git/HEAD", "ref\n")
	if h := hash(); h != base {
		t.Errorf("a test, testdata or .git file changed the key")
	}
	write("assets/a.json", "{\"b\": 1}\n")
	changed := hash()
	if changed == base {
		t.Errorf("an embedded asset's change left the key as it was")
	}
	write("cmd/x/more.go", "package main\n")
	if h := hash(); h == changed {
		t.Errorf("a new source file left the key as it was")
	}
}

// TestModuleRoot: the tests of a package find the module above their
// folder (this package's own module).
func TestModuleRoot(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "engine", "testkit", "binary.go")); err != nil {
		t.Errorf("module root %s does not hold engine/testkit: %v", root, err)
	}
}
