package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestServeBadInput: every wrong start of `nettutor serve` is one line on
// stderr and exit 2, before anything listens.
func TestServeBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# nobody yet\n"), 0o600)
	broken := filepath.Join(dir, "broken")
	os.WriteFile(broken, []byte("ssh-ed25519 AAAA-not-a-key alice\n"), 0o600)
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGs0nJc2m2hPbN3nIs6dZ9c1ZVYz9u7j3H2qkMqv0mfe alice\n"), 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	env := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state")}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "give --authorized-keys FILE"},
		{[]string{"serve", "--authorized-keys", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"serve", "--authorized-keys", empty}, "no public keys"},
		{[]string{"serve", "--authorized-keys", broken}, broken + ":1:"},
		{[]string{"serve", "--authorized-keys", good, "--max-sessions", "-1"}, "must not be negative"},
		{[]string{"serve", "--authorized-keys", good, "--max-sessions-per-key", "0"}, "must be at least 1"},
		{[]string{"serve", "--authorized-keys", good, "--max-unauth-per-address", "0"}, "must be at least 1"},
		{[]string{"serve", "--authorized-keys", good, "--handshake-timeout", "10ms"}, "--handshake-timeout at least 1s"},
		{[]string{"serve", "--authorized-keys", good, "--member-memory", "256M"}, "--member-memory 256M is below --max-memory 512M"},
		{[]string{"serve", "--authorized-keys", good, "--member-memory", "lots"}, "bad size"},
		{[]string{"serve", "--authorized-keys", good, "--listen", busy.Addr().String()}, "address already in use"},
		{[]string{"serve", "--authorized-keys", good, "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--nope"}, "flag provided but not defined"},
	} {
		badInputLine(t, runCLI(t, env, c.args...), c.want)
	}
}
