package lessons

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: no input may make the loader panic; an error is always an
// ErrorList whose entries have a position.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("builtin/*.yaml")
	files = append(files, "testdata/mini.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(head + "      - veth: {name: a, peer: b}\n      - link_netns: {name: a, to: RED}\n"))
	f.Add([]byte("id: x\nsteps: [{id: a, title: {en: b}, actions: [{netns_del: {name: host}}], expect: [{packet: {capture: z, match: \"tcp port 80\"}}]}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Load("f.yaml", data)
		if err != nil {
			el, ok := err.(ErrorList)
			if !ok || len(el) == 0 {
				t.Fatalf("error %T %v", err, err)
			}
			for _, e := range el {
				if e.Line < 1 || e.Col < 1 {
					t.Fatalf("error without a position: %v", e)
				}
			}
			return
		}
		for _, s := range l.Steps {
			for _, a := range s.Actions {
				_ = a.Command()
			}
		}
		_ = Script(l)
	})
}
