package lessons

import (
	"strings"
	"testing"
)

// wantLoadErrors loads src as t.yaml and holds the loader to errors that
// contain every one of want (a file:line:col, a message, or both). It is
// one helper because the loader reports all of a file's errors in one
// ErrorList, so the tests of a new check kind or field (faults, endpoints)
// put several mistakes in one lesson and look for each; each test keeping
// its own copy of this loop let the copies drift.
func wantLoadErrors(t *testing.T, src string, want ...string) {
	t.Helper()
	_, err := Load("t.yaml", []byte(src))
	if err == nil {
		t.Fatal("loaded")
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("errors lack %q:\n%s", w, msg)
		}
	}
}

// exerciseHead is a lesson of one step and one exercise whose setup makes
// RED, up to where the exercise's own fields (faults, checks) begin: the
// loader tests of those fields append them, so their first line is line 13
// of t.yaml and the line:col each test expects counts on from there. One
// head for them all, so that a change to what a lesson must have changes
// every such test's line numbers alike.
const exerciseHead = `id: t
title: {en: T}
summary: {en: T}
steps:
  - id: s
    title: {en: S}
exercises:
  - id: e
    title: {en: E}
    goal: {en: G}
    setup:
      - netns_add: {name: RED}
`
