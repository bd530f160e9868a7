package diagram

import (
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// TestReadClusterNoRoleInLab: a lesson's roles (troubleshoot's, for its
// overlay exercise) leave a lab that has none of their namespaces (its
// week-one steps and exercises) drawn the plain way; one node or pod made
// is enough for the cluster drawing.
func TestReadClusterNoRoleInLab(t *testing.T) {
	roles := []Node{{Name: "NODE1", Pods: []string{"POD-A", "POD-C"}}, {Name: "NODE2", Pods: []string{"POD-B"}}}
	week1 := &engine.Snapshot{Namespaces: []engine.Namespace{{Name: engine.HostNS}, {Name: "RED"}, {Name: "BLUE"}}}
	if c := ReadCluster(week1, roles); c != nil {
		t.Errorf("a lab without NODE1, NODE2 or a pod is read as a cluster: %+v", c)
	}
	for _, ns := range []string{"NODE2", "POD-A"} {
		s := &engine.Snapshot{Namespaces: []engine.Namespace{{Name: engine.HostNS}, {Name: ns}}}
		if ReadCluster(s, roles) == nil {
			t.Errorf("a lab with %s is not read as a cluster", ns)
		}
	}
}
