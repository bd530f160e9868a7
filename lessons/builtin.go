package lessons

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// BuiltinOrder is the order of the built-in lessons.
var BuiltinOrder = []string{"isolation", "containers", "veth", "bridge", "nat", "docker-networks", "userns", "troubleshoot", "pod", "flannel", "calico", "service", "loadbalancer"}

var (
	builtinOnce    sync.Once
	builtinLessons []*Lesson
	builtinErr     error
)

// Builtin returns the embedded lessons in BuiltinOrder (any other embedded
// lesson after them, by id). They are validated strictly: every text in
// every language of Langs.
func Builtin() ([]*Lesson, error) {
	builtinOnce.Do(func() { builtinLessons, builtinErr = loadBuiltin() })
	return builtinLessons, builtinErr
}

func loadBuiltin() ([]*Lesson, error) {
	ents, err := builtinFS.ReadDir("builtin")
	if err != nil {
		return nil, err
	}
	var out []*Lesson
	var errs ErrorList
	for _, e := range ents {
		name := path.Join("builtin", e.Name())
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		file := "lessons/" + name
		l, err := LoadStrict(file, data)
		if err != nil {
			if el, ok := err.(ErrorList); ok {
				errs = append(errs, el...)
				continue
			}
			return nil, err
		}
		if want := strings.TrimSuffix(e.Name(), ".yaml"); l.ID != want {
			errs = append(errs, &Error{File: file, Pos: Pos{1, 1}, Msg: fmt.Sprintf("lesson id %q does not match its file name %s", l.ID, e.Name())})
			continue
		}
		out = append(out, l)
	}
	rank := func(id string) int {
		for i, b := range BuiltinOrder {
			if b == id {
				return i
			}
		}
		return len(BuiltinOrder)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i].ID), rank(out[j].ID)
		if ri != rj {
			return ri < rj
		}
		return out[i].ID < out[j].ID
	})
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

// Find returns the built-in lesson with the given id.
func Find(id string) (*Lesson, error) {
	ls, err := Builtin()
	var ids []string
	for _, l := range ls {
		if l.ID == id {
			return l, nil
		}
		ids = append(ids, l.ID)
	}
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("unknown lesson %q%s (lessons: %s)", id, suggest(id, ids), strings.Join(ids, ", "))
}

// FindExercise returns the exercise "lesson/exercise", e.g. "veth/connect".
func FindExercise(full string) (*Lesson, *Exercise, error) {
	lid, eid, ok := strings.Cut(full, "/")
	if !ok {
		return nil, nil, fmt.Errorf("exercise %q: want LESSON/EXERCISE, such as veth/connect", full)
	}
	l, err := Find(lid)
	if err != nil {
		return nil, nil, err
	}
	e := l.Exercise(eid)
	if e == nil {
		var ids []string
		for _, x := range l.Exercises {
			ids = append(ids, x.FullID())
		}
		return nil, nil, fmt.Errorf("lesson %s has no exercise %q%s (exercises: %s)", lid, eid, suggest(full, ids), strings.Join(ids, ", "))
	}
	return l, e, nil
}

// Resolve finds a lesson by built-in id, or loads it from a file when arg
// names one (it ends in .yaml/.yml or contains a slash).
func Resolve(arg string) (*Lesson, error) {
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.Contains(arg, "/") {
		return LoadFile(arg)
	}
	return Find(arg)
}
