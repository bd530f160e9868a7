package tui

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
)

// clusterRoles are issue 21's: POD-A and POD-C on NODE1, POD-B on NODE2.
var clusterRoles = []diagram.Node{{Name: "NODE1", Pods: []string{"POD-A", "POD-C"}}, {Name: "NODE2", Pods: []string{"POD-B"}}}

// clusterFixture reads a cluster snapshot fixture (engine/diagram's
// testdata: the snapshot's JSON names, vxlan, dst, onlink, type, proto).
func clusterFixture(t testing.TB, name string) *engine.Snapshot {
	t.Helper()
	b, err := os.ReadFile("../engine/diagram/testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var s engine.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &s
}

func TestPrintCluster(t *testing.T) {
	for _, f := range []string{"flannel", "calico"} {
		for _, w := range []int{44, 70, 80} {
			t.Logf("%s %d\n%s", f, w, RenderTopology(clusterFixture(t, f), TopoOptions{Width: w, Nodes: clusterRoles, Lang: "en"}))
		}
	}
}
