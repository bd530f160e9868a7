package lessons

import (
	"context"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine/journey"
)

// TestPingCheckJourneyForwardOff: a failing reachability check on the nat
// lesson's lab with ip_forward off on the host carries the journey of its
// probe, traced in the lab, whose stop is ip_forward in host; its detail is
// that journey's stop, in the learner's language.
func TestPingCheckJourneyForwardOff(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	lab := newLab(t)
	l, err := Find("nat")
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(lab, l, Options{})
	ctx := context.Background()
	at := -1
	for i, s := range l.Steps {
		if _, err := r.RunStep(ctx, i); err != nil {
			t.Fatalf("step %s: %v", s.ID, err)
		}
		if s.ID == "default-route" {
			at = i
			break
		}
	}
	if at < 0 {
		t.Fatal("the nat lesson has no step default-route")
	}
	ping := mustAssertion(t, `reachable: {from: RED, to: 203.0.113.2}`)
	got := EvaluateOne(ctx, lab, ping, &Env{})
	if got.OK {
		t.Fatal("RED reaches 203.0.113.2 with ip_forward=0 on the host")
	}
	j := got.Journey
	if j == nil || j.Drop == nil {
		t.Fatalf("failed check without a journey and its stop: %+v", got)
	}
	if j.Drop.Reason != journey.ReasonForwardOff || j.Drop.NS != "host" {
		t.Errorf("stop %+v, want %s in host", j.Drop, journey.ReasonForwardOff)
	}
	if !strings.Contains(got.Detail, "ip_forward=0") || !strings.Contains(got.Detail, j.Drop.Detail) {
		t.Errorf("detail %q does not come from the journey's stop %q", got.Detail, j.Drop.Detail)
	}
	// The probe was traced, not replayed: its first hop was captured
	// leaving RED.
	if len(j.Hops) == 0 || !j.Hops[0].Observed || j.Hops[0].NS != "RED" {
		t.Errorf("journey not traced in the lab: hops %+v", j.Hops)
	}
	// In Korean the same stop, in Korean.
	ko := EvaluateOne(ctx, lab, ping, &Env{Lang: "ko"})
	if ko.Journey == nil || ko.Journey.Drop == nil || ko.Journey.Drop.Reason != journey.ReasonForwardOff ||
		!strings.Contains(ko.Journey.Drop.Detail, "포워딩되지 않았습니다") {
		t.Errorf("ko journey %+v", ko.Journey)
	}
	// A TCP check's probe gets its own journey, a SYN stopped at the same
	// place.
	tc := EvaluateOne(ctx, lab, mustAssertion(t, `tcp: {from: RED, addr: "203.0.113.2:80"}`), &Env{})
	if tc.OK || tc.Journey == nil || tc.Journey.Proto != "tcp" || tc.Journey.Port != 80 || tc.Journey.Drop == nil ||
		tc.Journey.Drop.Reason != journey.ReasonForwardOff || !strings.Contains(tc.Detail, "ip_forward=0") {
		t.Errorf("tcp check: ok=%v detail %q journey %+v", tc.OK, tc.Detail, tc.Journey)
	}
	// A check that holds carries no journey.
	if ok := EvaluateOne(ctx, lab, mustAssertion(t, `reachable: {from: RED, to: 203.0.113.1}`), &Env{}); !ok.OK || ok.Journey != nil {
		t.Errorf("passing check: ok=%v journey=%v (%s)", ok.OK, ok.Journey != nil, ok.Detail)
	}
}
