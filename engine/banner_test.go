package engine

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestBannerServerIsTheShownCommand: the banner server action runs the
// loop it shows, so every client reads the banner, one after another; and
// the shown command, typed into a lab shell as it is, serves the same.
func TestBannerServerIsTheShownCommand(t *testing.T) {
	needTools(t, "nc")
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	a := TCPServe{NS: "RED", Port: 80, Banner: "hello from RED"}
	want := `ip netns exec RED sh -c 'while :; do echo hello from RED | nc -N -l 80 || sleep 1; done' &`
	if got := a.Command(); got != want {
		t.Fatalf("Command() = %s\nwant        %s", got, want)
	}
	apply(t, l, a)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if !l.WaitBanners(time.Second) {
			t.Fatalf("connection %d: the banner server does not listen again", i+1)
		}
		got, err := l.Connect(ctx, "BLUE", "10.0.0.2:80", time.Second)
		if err != nil || strings.TrimRight(got, "\n") != "hello from RED" {
			t.Fatalf("connection %d: %q, %v; want the banner", i+1, got, err)
		}
	}
	// Applied again, it is a no-op: the port is served already.
	apply(t, l, a)

	// Typed as shown (on another port), the command serves the banner.
	typedCmd := strings.Replace(TCPServe{NS: "BLUE", Port: 8081, Banner: "typed by hand"}.Command(), " &", " >/dev/null 2>&1 &", 1)
	c := l.Cmd(HostNS, "bash", "-c", typedCmd)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v %s", typedCmd, err, out)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		ok, err := l.listening("BLUE", 8081)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: nothing listens on 8081", typedCmd)
		}
		time.Sleep(5 * time.Millisecond)
	}
	got, err := l.Connect(ctx, "RED", "10.0.0.3:8081", time.Second)
	if err != nil || strings.TrimRight(got, "\n") != "typed by hand" {
		t.Errorf("the typed command serves %q, %v", got, err)
	}
}

func TestEchoArgs(t *testing.T) {
	for in, want := range map[string]string{
		"hello from WEB":  "hello from WEB",
		"it's $HOME":      `"it's \$HOME"`,
		"two  spaces":     `"two  spaces"`,
		`say "hi"`:        `"say \"hi\""`,
		"-n":              `"-n"`,
		"back`tick`":      "\"back\\`tick\\`\"",
		"ok: 200 /index.": "ok: 200 /index.",
	} {
		if got := echoArgs(in); got != want {
			t.Errorf("echoArgs(%q) = %s, want %s", in, got, want)
		}
	}
	// What sh's echo prints for them is the banner.
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, b := range []string{"hello from WEB", "it's $HOME", `say "hi"`, "two  spaces"} {
		out, err := exec.Command("sh", "-c", "echo "+echoArgs(b)).Output()
		if err != nil || strings.TrimRight(string(out), "\n") != b {
			t.Errorf("sh -c 'echo %s' prints %q, %v; want %q", echoArgs(b), out, err, b)
		}
	}
}
