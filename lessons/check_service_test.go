package lessons

import (
	"strings"
	"testing"
)

// TestLoadEndpointsCheck: the endpoints check's fields are checked when
// the file is loaded, each error at its file:line:col.
func TestLoadEndpointsCheck(t *testing.T) {
	src := exerciseHead + `    checks:
      - id: a
        endpoints: {from: RED, addr: "10.96.0.100", banners: ["web"]}
      - id: b
        endpoints: {from: RED, addr: "10.96.0.100:80", banners: []}
      - id: c
        endpoints: {from: RED, addr: "10.96.0.100:80", banners: [" "]}
      - id: d
        endpoints: {from: RED, addr: "10.96.0.100:80", banners: [a, b], count: 1}
      - id: e
        endpoints: {from: RED, addr: "10.96.0.100:80"}
`
	wantLoadErrors(t, src,
		"t.yaml:15:38: ",
		"t.yaml:17:65: ", "name at least one endpoint",
		"t.yaml:19:65: ", "an empty banner matches any answer",
		"t.yaml:21:80: ", "fewer connections than banners",
		"t.yaml:23:20: ", `missing "banners"`,
	)
}

// TestDNATFrom: the chain walk that tells a DNAT reached from PREROUTING
// only (DNAT only in PREROUTING) from one reached from OUTPUT too, through
// kube-proxy's chains and a loop.
func TestDNATFrom(t *testing.T) {
	chains := map[string][]string{
		"PREROUTING":     {`-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`},
		"KUBE-SERVICES":  {`-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-X`, `-A KUBE-SERVICES -j KUBE-LOOP`},
		"KUBE-LOOP":      {`-A KUBE-LOOP -j KUBE-SERVICES`},
		"KUBE-SVC-X":     {`-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A`, `-A KUBE-SVC-X -g KUBE-SEP-B`},
		"KUBE-SEP-A":     {`-A KUBE-SEP-A -s 10.244.0.2/32 -j KUBE-MARK-MASQ`, `-A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination 10.244.0.2:80`},
		"KUBE-SEP-B":     {`-A KUBE-SEP-B -p tcp -m tcp -j DNAT --to-destination 10.244.1.2:80`},
		"OUTPUT":         {`-A OUTPUT -j KUBE-LOOP-ONLY`},
		"KUBE-LOOP-ONLY": {`-A KUBE-LOOP-ONLY -j KUBE-LOOP-ONLY`},
	}
	if r := dnatFrom(chains, "PREROUTING", map[string]bool{}); !strings.Contains(r, "KUBE-SERVICES") {
		t.Errorf("PREROUTING: %q", r)
	}
	if r := dnatFrom(chains, "OUTPUT", map[string]bool{}); r != "" {
		t.Errorf("OUTPUT reaches a DNAT: %q", r)
	}
	chains["OUTPUT"] = append(chains["OUTPUT"], `-A OUTPUT -j KUBE-SERVICES`)
	if r := dnatFrom(chains, "OUTPUT", map[string]bool{}); r != `-A OUTPUT -j KUBE-SERVICES` {
		t.Errorf("OUTPUT: %q", r)
	}
}
