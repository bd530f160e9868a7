package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/lessons"
)

// TestErrTextInTheLearnersLanguage: an exercise that cannot start for a
// missing driver says so in the learner's language, even wrapped; other
// errors keep their own text.
func TestErrTextInTheLearnersLanguage(t *testing.T) {
	ne := &lessons.NeedError{Exercise: "service/clusterip", Need: "vxlan"}
	wrapped := fmt.Errorf("start exercise: %w", ne)
	for _, lang := range []string{"en", "ko"} {
		c := NewCommon(lang)
		if got, want := c.ErrText(wrapped), ne.Text(lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if ko := NewCommon("ko").ErrText(wrapped); ko == ne.Error() || !strings.Contains(ko, "modprobe vxlan") {
		t.Errorf("ko: %q is not the Korean line", ko)
	}
	if got := NewCommon("ko").ErrText(errors.New("plain")); got != "plain" {
		t.Errorf("plain error: %q", got)
	}
}
