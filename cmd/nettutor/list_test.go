package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/lessons"
)

func TestListText(t *testing.T) {
	r := runCLI(t, nil, "list")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, id := range []string{"isolation", "veth", "bridge", "nat", "docker-networks", "userns", "veth/connect", "nat/outside"} {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("list lacks %s:\n%s", id, r.stdout)
		}
	}
	if strings.Index(r.stdout, "isolation") > strings.Index(r.stdout, "userns ") {
		t.Errorf("lessons out of order:\n%s", r.stdout)
	}
	ko := runCLI(t, []string{"LANG=ko_KR.UTF-8"}, "list")
	if !strings.Contains(ko.stdout, "단계") {
		t.Errorf("LANG=ko: no Korean:\n%s", ko.stdout)
	}
	badInputLine(t, runCLI(t, nil, "list", "extra"), `unexpected argument "extra"`)
}

func TestListJSON(t *testing.T) {
	r := runCLI(t, nil, "list", "--json", "--lang", "ko")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got []listEntry
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	// Every built-in lesson, in their order; veth found by its id.
	veth := -1
	for i, e := range got {
		if i < len(lessons.BuiltinOrder) && e.ID != lessons.BuiltinOrder[i] {
			t.Errorf("lesson %d is %s, want %s", i, e.ID, lessons.BuiltinOrder[i])
		}
		if e.ID == "veth" {
			veth = i
		}
	}
	if len(got) != len(lessons.BuiltinOrder) || veth < 0 || len(got[veth].Exercises) == 0 || got[veth].Exercises[0].ID != "veth/connect" {
		t.Fatalf("got %+v", got)
	}
	if !strings.Contains(got[veth].Title, "네임스페이스") {
		t.Errorf("--lang ko title: %q", got[veth].Title)
	}
}
