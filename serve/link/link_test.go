package link

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestRoundTrip: every message type comes out as it went in, one per line.
func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	msgs := []Msg{
		{Type: TypeStatus, Lesson: "veth", Step: 3, Steps: 8, Passed: []string{"veth:veth/connect"},
			Check: &Check{Exercise: "veth/connect", Pass: false, Failed: "ping-red-blue", Seq: 2}, Hand: true, Active: at},
		{Type: TypeFollow, Lesson: "bridge", Step: 5},
		{Type: TypeMessage, Text: "break: back at 20:15 — 쉬는 시간"},
		{Type: TypeReset},
	}
	var b strings.Builder
	w := NewWriter(&b)
	for _, m := range msgs {
		if err := w.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(b.String(), "\n"); n != len(msgs) {
		t.Fatalf("%d lines for %d messages:\n%s", n, len(msgs), b.String())
	}
	r := NewReader(strings.NewReader(b.String()))
	for i, want := range msgs {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if got.Type != want.Type || got.Lesson != want.Lesson || got.Step != want.Step || got.Text != want.Text ||
			got.Hand != want.Hand || !got.Active.Equal(want.Active) || strings.Join(got.Passed, ",") != strings.Join(want.Passed, ",") {
			t.Errorf("message %d: got %+v, want %+v", i, got, want)
		}
		if (got.Check == nil) != (want.Check == nil) || (got.Check != nil && *got.Check != *want.Check) {
			t.Errorf("message %d: check %+v, want %+v", i, got.Check, want.Check)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last message: %v, want EOF", err)
	}
}

// TestBadLines: a line that is not a message is a DecodeError the reader
// goes on after; a line over the limit ends the link with ErrTooLong.
func TestBadLines(t *testing.T) {
	in := "not json\n{\"lesson\":\"veth\"}\n{\"type\":\"reset\"}\n" + strings.Repeat("x", MaxLine+10) + "\n"
	r := NewReader(strings.NewReader(in))
	for i := 0; i < 2; i++ {
		_, err := r.Next()
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("line %d: %v, want a DecodeError", i+1, err)
		}
	}
	if m, err := r.Next(); err != nil || m.Type != TypeReset {
		t.Fatalf("the good line after bad ones: %+v, %v", m, err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrTooLong) {
		t.Fatalf("an overlong line: %v, want ErrTooLong", err)
	}
	if err := NewWriter(io.Discard).Send(Msg{Type: TypeMessage, Text: strings.Repeat("y", MaxLine)}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("sending an overlong message: %v, want ErrTooLong", err)
	}
}

// TestFakeChild runs both ends over a socket, as serve and its child do:
// the child reports, the server commands, each side reads the other's.
func TestFakeChild(t *testing.T) {
	srv, child := net.Pipe()
	defer srv.Close()
	done := make(chan error, 1)
	go func() {
		// The fake child: report a place, then answer a follow with the
		// place it was sent to.
		w, r := NewWriter(child), NewReader(child)
		if err := w.Send(Msg{Type: TypeStatus, Lesson: "veth", Step: 1, Steps: 8}); err != nil {
			done <- err
			return
		}
		m, err := r.Next()
		if err != nil {
			done <- err
			return
		}
		done <- w.Send(Msg{Type: TypeStatus, Lesson: m.Lesson, Step: m.Step, Steps: 8})
		child.Close()
	}()
	r, w := NewReader(srv), NewWriter(srv)
	first, err := r.Next()
	if err != nil || first.Lesson != "veth" || first.Step != 1 {
		t.Fatalf("first status: %+v, %v", first, err)
	}
	if err := w.Send(Msg{Type: TypeFollow, Lesson: "veth", Step: 4}); err != nil {
		t.Fatal(err)
	}
	second, err := r.Next()
	if err != nil || second.Step != 4 {
		t.Fatalf("status after follow: %+v, %v", second, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the child closed: %v, want EOF", err)
	}
}
