package engine

import (
	"errors"
	"syscall"
	"testing"
)

func TestProbeErrorText(t *testing.T) {
	cases := []struct {
		err    *ProbeError
		en, ko string
	}{
		{&ProbeError{NS: "RED", Op: "ping", Target: "203.0.113.2", Err: ErrNoReply},
			"RED: ping 203.0.113.2: no reply", "RED: 203.0.113.2까지 ping: 응답 없음"},
		{&ProbeError{NS: "RED", Op: "ping", Target: "203.0.113.3", Err: errnoOf(syscall.ENETUNREACH)},
			"RED: ping 203.0.113.3: Network is unreachable", "RED: 203.0.113.3까지 ping: 갈 수 있는 네트워크가 없음 (Network is unreachable: 라우트가 없습니다)"},
		{&ProbeError{NS: "OUTSIDE", Op: "connect to", Target: "203.0.113.1:8080", Err: errnoOf(syscall.ECONNREFUSED)},
			"OUTSIDE: connect to 203.0.113.1:8080: Connection refused", "OUTSIDE: 203.0.113.1:8080에 연결: 연결이 거부됨 (Connection refused)"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.en {
			t.Errorf("Error() = %q, want %q", got, c.en)
		}
		if got := ErrorText(c.err, "en"); got != c.en {
			t.Errorf("ErrorText(en) = %q, want %q", got, c.en)
		}
		if got := ErrorText(c.err, "ko"); got != c.ko {
			t.Errorf("ErrorText(ko) = %q, want %q", got, c.ko)
		}
	}
	if !errors.Is(cases[0].err, ErrNoReply) || !errors.Is(cases[2].err, syscall.ECONNREFUSED) {
		t.Error("ProbeError does not unwrap to its cause")
	}
	if got := ErrorText(errors.New("plain"), "ko"); got != "plain" {
		t.Errorf("ErrorText of a plain error = %q", got)
	}
}
