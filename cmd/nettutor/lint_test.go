package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	dir := t.TempDir()
	good := "../../lessons/testdata/mini.yaml"
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("id: bad\ntitle: {en: B}\nsummary: {en: S}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n      - veht: {name: a, peer: b}\n      - link_up: {ns: RED, name: a}\n"), 0o644)

	r := runCLI(t, nil, "lint", good)
	if r.code != 0 || r.stdout != "" {
		t.Errorf("lint mini: exit %d out %q err %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "lint", good, bad)
	want := bad + `:8:9: unknown action "veht" (did you mean "veth"?)` + "\n" +
		bad + `:9:23: step "s" link_up: namespace "RED" does not exist at this point (no netns_add before it)` + "\n"
	if r.code != 1 || r.stdout != want {
		t.Errorf("lint bad: exit %d\n got %q\nwant %q", r.code, r.stdout, want)
	}
	badInputLine(t, runCLI(t, nil, "lint", filepath.Join(dir, "missing.yaml")), "missing.yaml: cannot read: no such file or directory")
	badInputLine(t, runCLI(t, nil, "lint"), "usage: nettutor lint")

	// A rule iptables would refuse: unknown chain for the table, unknown
	// target. Exit 1 and file:line:col, as for any other error.
	nat := filepath.Join(dir, "nat.yaml")
	os.WriteFile(nat, []byte("id: nat\ntitle: {en: N}\nsummary: {en: S}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n      - iptables: {rule: \"-t nat -A POSTROUTNG -j MASQ\"}\n      - iptables: {rule: \"-t nat -A POSTROUTING -j MASQ\"}\n"), 0o644)
	r = runCLI(t, nil, "lint", nat)
	if r.code != 1 || !strings.HasPrefix(r.stdout, nat+`:8:26: step "s" iptables: iptables rule: no chain "POSTROUTNG" in table nat (did you mean "POSTROUTING"?)`) ||
		!strings.Contains(r.stdout, "\n"+nat+`:9:26: step "s" iptables: iptables rule: unknown target "MASQ" (did you mean "MASQUERADE"?)`) {
		t.Errorf("lint nat: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// --strict wants Korean too.
	en := filepath.Join(dir, "en.yaml")
	os.WriteFile(en, []byte("id: en\ntitle: {en: E}\nsummary: {en: S}\nsteps:\n  - id: s\n    title: {en: S}\n"), 0o644)
	if r := runCLI(t, nil, "lint", en); r.code != 0 {
		t.Errorf("lint en: %d %s", r.code, r.stdout)
	}
	if r := runCLI(t, nil, "lint", "--strict", en); r.code != 1 || r.stdout == "" {
		t.Errorf("lint --strict en: %d %q", r.code, r.stdout)
	}
}
