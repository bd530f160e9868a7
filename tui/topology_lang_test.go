package tui

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// TestTopologyWordsInKorean: the diagram's own words ("fdb: 1 learned",
// "up, no carrier", "port") follow TopoOptions.Lang; names do not.
func TestTopologyWordsInKorean(t *testing.T) {
	s := &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "br0", Kind: "bridge", State: "up"},
			{Name: "veth-red", Kind: "veth", State: "up", Master: "br0", Peer: &engine.PeerRef{NS: "RED", Name: "eth0"}},
		}, FDB: []engine.FDBEntry{{MAC: "02:00:00:00:00:02", Dev: "veth-red", Master: "br0"}}},
		{Name: "RED", Links: []engine.Link{{Name: "eth0", Kind: "veth", State: "up", Oper: "lowerlayerdown", Peer: &engine.PeerRef{NS: "host", Name: "veth-red"}}}},
	}}
	for _, c := range []struct {
		lang      string
		want, not []string
	}{
		{"en", []string{"fdb: 1 learned", "up, no carrier", "port veth-red"}, []string{"학습"}},
		{"ko", []string{"fdb: 학습한 MAC 1개", "캐리어 없음", "포트 veth-red", "br0"}, []string{"learned", "up, no carrier", "port veth-red"}},
	} {
		out := RenderTopology(s, TopoOptions{Width: 120, Lang: c.lang})
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", c.lang, w, out)
			}
		}
		for _, w := range c.not {
			if strings.Contains(out, w) {
				t.Errorf("%s: %q left in\n%s", c.lang, w, out)
			}
		}
	}
}
