package lessons

import (
	"context"
	"strings"
	"testing"
)

// TestCommandAfterConnectSeesTheListener: a command right after a connect
// to a banner server finds the server listening again, as it is for a
// person typing the next command (the pod lesson's `ss -ltn` once ran in
// the gap between the loop's two nc and listed no socket). Twenty
// connects, each followed at once by ss, so that the gap, a few
// milliseconds, would show in one of them: before the runner waited
// after a connect, this failed in 2 of 3 runs with six busy loops on
// this 2-core machine (and in CI's TestExportRoundTrip/pod under load).
func TestCommandAfterConnectSeesTheListener(t *testing.T) {
	src := "id: t\ntitle: {en: T}\nsummary: {en: T}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n" +
		"      - netns_add: {name: RED}\n      - link_up: {ns: RED, name: lo}\n      - tcp_serve: {ns: RED, port: 8080, banner: hi}\n" +
		strings.Repeat("      - tcp_connect: {ns: RED, addr: \"127.0.0.1:8080\"}\n      - run: {ns: RED, sh: \"ss -Hltn sport = :8080\"}\n", 20)
	l, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(newLab(t), l, Options{})
	defer r.Close()
	res, err := r.RunNext(context.Background())
	if err != nil || !res.OK() {
		t.Fatalf("step: %v\n%s", err, failures(res))
	}
	runs := 0
	for _, a := range res.Actions {
		if a.Kind != "run" {
			continue
		}
		runs++
		if !strings.Contains(a.Output, "LISTEN") {
			t.Errorf("ss right after a connect, run %d: no listening socket: %q", runs, a.Output)
		}
	}
	if runs != 20 {
		t.Errorf("%d runs of ss, want 20", runs)
	}
}
