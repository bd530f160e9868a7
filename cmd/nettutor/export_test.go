package main

import (
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	r := runCLI(t, nil, "export", "veth")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"#!/usr/bin/env bash\n", "\nset -e\n", "\nip netns add RED\n", "\nip link set veth0 netns RED\n", "ping -W 1 -c 1 11.11.11.3 || true"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("export veth lacks %q:\n%s", want, r.stdout)
		}
	}
	if i, j := strings.Index(r.stdout, "ip netns add RED"), strings.Index(r.stdout, "ip -n RED addr add"); i < 0 || j < i {
		t.Errorf("commands out of order")
	}
	file := runCLI(t, nil, "export", "../../lessons/testdata/mini.yaml")
	if !strings.Contains(file.stdout, "ip netns exec BLUE sh -c 'while :; do echo hello | nc -N -l 8080 || sleep 1; done' </dev/null >/dev/null 2>&1 &") {
		t.Errorf("background server not adapted:\n%s", file.stdout)
	}
	badInputLine(t, runCLI(t, nil, "export", "vet"), `unknown lesson "vet" (did you mean "veth"?)`)
	badInputLine(t, runCLI(t, nil, "export"), "usage: nettutor export")
}
