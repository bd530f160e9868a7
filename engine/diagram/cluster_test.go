package diagram

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// clusterRoles are the roles of issue 21's cluster.
var clusterRoles = []Node{{Name: "NODE1", Pods: []string{"POD-A", "POD-C"}}, {Name: "NODE2", Pods: []string{"POD-B"}}}

// fixture reads a snapshot JSON of testdata (the names the engine's
// snapshot uses: a link's "vxlan", an fdb entry's "dst", a route's
// "onlink", "type", "proto").
func fixture(t testing.TB, name string) *engine.Snapshot {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var s engine.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &s
}

func TestPrintClusterMermaid(t *testing.T) {
	s := fixture(t, "flannel")
	t.Log("\n" + Mermaid(s, Options{NoLoopback: true, Nodes: clusterRoles}))
	t.Log("\n" + DOT(fixture(t, "calico"), Options{NoLoopback: true, Nodes: clusterRoles, Lang: "ko"}))
}
