package lessons

import (
	"strings"
	"testing"
)

// base is a valid lesson; cases replace its last lines.
const head = `id: t
title: {en: T}
summary: {en: S}
steps:
  - id: one
    title: {en: One}
    actions:
      - netns_add: {name: RED}
`

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"yaml syntax", "id: t\ntitle: {en: T\n", "t.yaml:2:1: YAML syntax: did not find expected ',' or '}'"},
		{"empty", "", "t.yaml:1:1: empty lesson file"},
		{"not a mapping", "- a\n", "t.yaml:1:1: lesson: want a mapping (key: value), got a list"},
		{"unknown top key", head + "exercices: []\n", `t.yaml:9:1: unknown key "exercices" in lesson (did you mean "exercises"?)`},
		{"unknown step key", head + "    acton: []\n", `t.yaml:9:5: unknown key "acton" in step 1 (did you mean "actions"?)`},
		{"unknown action", head + "      - netns_ad: {name: BLUE}\n", `t.yaml:9:9: unknown action "netns_ad" (did you mean "netns_add"?)`},
		{"unknown action field", head + "      - veth: {ns: RED, name: a, peer: b, peerns: RED}\n", `t.yaml:9:43: unknown key "peerns" in step "one" veth (did you mean "peer_ns"?)`},
		{"unknown expectation", head + "    expect:\n      - lnk: {ns: RED, name: lo}\n", `t.yaml:10:9: unknown expectation "lnk" (did you mean "link"?)`},
		{"missing field", head + "      - veth: {name: a}\n", `t.yaml:9:15: step "one" veth: missing "peer"`},
		{"missing en", "id: t\ntitle: {ko: T}\nsummary: {en: S}\nsteps:\n  - id: one\n    title: {en: One}\n", `t.yaml:2:8: lesson title: missing "en" translation`},
		{"unknown language", "id: t\ntitle: {en: T, kr: T}\nsummary: {en: S}\nsteps:\n  - id: one\n    title: {en: One}\n", `t.yaml:2:16: unknown key "kr" in lesson title (did you mean "ko"?)`},
		{"text not a map", "id: t\ntitle: T\nsummary: {en: S}\nsteps:\n  - id: one\n    title: {en: One}\n", `t.yaml:2:8: lesson: "title" wants a text per language, such as {en: "...", ko: "..."}`},
		{"missing required", "id: t\ntitle: {en: T}\nsteps:\n  - id: one\n    title: {en: One}\n", `t.yaml:1:1: lesson: missing "summary"`},
		{"bad id", strings.Replace(head, "id: t", "id: T_1", 1), `t.yaml:1:5: lesson: id "T_1": use lowercase letters, digits and dashes`},
		{"duplicate step id", head + "  - id: one\n    title: {en: Again}\n", `t.yaml:9:5: duplicate step id "one"`},
		{"unknown namespace", head + "      - link_up: {ns: BLUE, name: veth0}\n", `t.yaml:9:23: step "one" link_up: namespace "BLUE" does not exist at this point (no netns_add before it)`},
		{"namespace typo", head + "      - link_up: {ns: ReD, name: lo}\n", `t.yaml:9:23: step "one" link_up: namespace "ReD" does not exist at this point (no netns_add before it) (did you mean "RED"?)`},
		{"unknown link", head + "      - link_up: {ns: RED, name: veth0}\n", `t.yaml:9:34: step "one" link_up: RED has no link "veth0" at this point (links: lo)`},
		{"link moved away", head + "      - veth: {name: a, peer: b}\n      - link_netns: {name: a, to: RED}\n      - link_up: {name: a}\n",
			`t.yaml:11:25: step "one" link_up: host has no link "a" at this point (it is in RED)`},
		{"link renamed", head + "      - veth: {name: a, peer: b}\n      - link_rename: {name: a, new_name: c}\n      - addr_add: {dev: a, addr: 10.0.0.1/24}\n",
			`t.yaml:11:25: step "one" addr_add: host has no link "a" at this point (links: b, c, lo)`},
		{"deleted namespace", head + "      - veth: {ns: RED, name: a, peer: b, peer_ns: host}\n      - netns_del: {name: RED}\n      - link_up: {name: b}\n",
			`t.yaml:11:25: step "one" link_up: host has no link "b" at this point (links: lo)`},
		{"later step sees state", head + "  - id: two\n    title: {en: Two}\n    expect:\n      - link: {ns: RED, name: eth0}\n",
			`t.yaml:12:31: step "two" link: RED has no link "eth0" at this point (links: lo)`},
		{"already exists", head + "      - netns_add: {name: RED}\n", `t.yaml:9:27: step "one" netns_add: namespace "RED" already exists at this point`},
		{"bad cidr", head + "      - addr_add: {ns: RED, dev: lo, addr: 11.11.11.2}\n", `t.yaml:9:44: step "one" addr_add: "11.11.11.2" is not an IPv4 address with a prefix length, such as 11.11.11.2/24`},
		{"bad cidr in expect", head + "    expect:\n      - addr: {ns: RED, addr: 11.11.11.300/24}\n", `t.yaml:10:31: step "one" addr: "11.11.11.300/24" is not an IPv4 address with a prefix length, such as 11.11.11.2/24`},
		{"bad route dst", head + "      - route_add: {ns: RED, dst: 10.0.0.1/8, dev: lo}\n", `t.yaml:9:35: step "one" route_add: "10.0.0.1/8" has host bits set (the network is 10.0.0.0/8)`},
		{"bad iptables", head + "      - iptables: {rule: \"-t nat -A POSTROUTING --bogus x -j MASQUERADE\"}\n", `t.yaml:9:26: step "one" iptables: iptables rule: `},
		{"bad filter", head + "    capture:\n      - {id: c, iface: lo, filter: \"arp or icmpp\"}\n", `t.yaml:10:44: step "one" capture c: bad filter "arp or icmpp": `},
		{"capture on missing link", head + "    capture:\n      - {id: c, iface: veth0}\n", `t.yaml:10:24: step "one" capture c: host has no link "veth0" at this point (links: lo) (capture points start before the step's actions)`},
		{"duplicate capture", head + "    capture:\n      - {id: c, iface: lo}\n      - {id: c, iface: lo}\n", `t.yaml:11:9: duplicate capture id "c"`},
		{"packet without capture", head + "    expect:\n      - packet: {capture: c}\n", `t.yaml:10:27: step "one" packet: no running capture "c" at this step (running: none)`},
		{"stopped capture", head + "    capture:\n      - {id: c, iface: lo}\n    capture_stop: [c]\n  - id: two\n    title: {en: Two}\n    expect:\n      - packet: {capture: c}\n", `t.yaml:15:27: step "two" packet: no running capture "c" at this step (running: none)`},
		{"capture_stop unknown", head + "    capture_stop: [x]\n", `t.yaml:9:20: step "one": capture_stop: no running capture "x"`},
		{"two kinds", head + "      - netns_add: {name: A}\n        netns_del: {name: A}\n", `t.yaml:10:9: step "one": more than one action (netns_add and netns_del); write one per list item`},
		{"wrong type", head + "      - link_mtu: {ns: RED, name: lo, mtu: big}\n", `t.yaml:9:44: step "one" link_mtu: "mtu" wants a whole number, got "big"`},
		{"unknown need", strings.Replace(head, "summary: {en: S}\n", "summary: {en: S}\nneeds: [capure]\n", 1), `t.yaml:4:9: needs: unknown feature "capure" (known: capture, nat, userns, bridge) (did you mean "capture"?)`},
		{"duplicate exercise", head + "exercises:\n  - {id: e, title: {en: E}, goal: {en: G}, checks: [{id: a, output: {contains: x}}]}\n  - {id: e, title: {en: E}, goal: {en: G}, checks: [{id: a, output: {contains: x}}]}\n", `t.yaml:11:5: duplicate exercise id "e"`},
		{"duplicate check", head + "exercises:\n  - id: e\n    title: {en: E}\n    goal: {en: G}\n    checks:\n      - {id: a, output: {contains: x}}\n      - {id: a, output: {contains: y}}\n", `t.yaml:15:9: duplicate check id "a" in exercise "e"`},
		{"unknown check", head + "exercises:\n  - id: e\n    title: {en: E}\n    goal: {en: G}\n    checks:\n      - {id: a, veth_par: {a: RED, b: BLUE}}\n", `t.yaml:14:17: unknown check "veth_par" (did you mean "veth_pair"?)`},
		{"setup tracked", head + "exercises:\n  - id: e\n    title: {en: E}\n    goal: {en: G}\n    setup:\n      - link_up: {ns: RED, name: lo}\n    checks:\n      - {id: a, output: {contains: x}}\n", `t.yaml:14:23: exercise "e" setup link_up: namespace "RED" does not exist at this point (no netns_add before it)`},
		{"peer moved", head + "      - veth: {ns: RED, name: a, peer: b}\n      - link_netns: {ns: RED, name: b, to: host}\n    expect:\n      - link: {ns: RED, name: a, peer: RED/b}\n",
			`t.yaml:12:40: step "one" link: RED has no link "b" at this point (it is in host)`},
		{"bad state", head + "    expect:\n      - link: {ns: RED, name: lo, state: UP}\n", `t.yaml:10:42: step "one" link: state "UP": want up or down (did you mean "up"?)`},
		{"alias", head + "    title: &x {en: One}\n", `t.yaml:9:5: key "title" given twice in step 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("no error; want %s", c.want)
			}
			el, ok := err.(ErrorList)
			if !ok {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			got := el[0].Error()
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
		})
	}
}

func TestLoadStrictNeedsKorean(t *testing.T) {
	src := "id: t\ntitle: {en: T, ko: 티}\nsummary: {en: S, ko: 에스}\nsteps:\n  - id: one\n    title: {en: One}\n"
	if _, err := Load("t.yaml", []byte(src)); err != nil {
		t.Fatalf("Load: %v", err)
	}
	_, err := LoadStrict("t.yaml", []byte(src))
	want := `t.yaml:6:12: step "one" title: missing "ko" translation`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestLoadAllErrorsSorted(t *testing.T) {
	src := head + "      - link_up: {ns: BLUE, name: x}\n      - veth: {name: a}\n"
	_, err := Load("t.yaml", []byte(src))
	el, _ := err.(ErrorList)
	if len(el) != 2 || el[0].Line != 9 || el[1].Line != 10 {
		t.Fatalf("got %v", err)
	}
}

func TestLoadMini(t *testing.T) {
	l := loadMini(t)
	if l.ID != "mini" || len(l.Steps) != 4 || l.Exercise("mini/connect") == nil {
		t.Fatalf("mini: %+v", l)
	}
	if _, err := LoadStrict("testdata/mini.yaml", mustRead(t, "testdata/mini.yaml")); err != nil {
		t.Fatalf("mini is fully translated; LoadStrict: %v", err)
	}
}
