package engine

import (
	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// NSRef is a namespace a caller has already opened, with the handles it
// reads it by: a trace opens each visible namespace once and reads its
// snapshot, then its own probes, through the same handles (one
// netlink.Handle per namespace).
type NSRef struct {
	Name string
	FD   netns.NsHandle
	NL   *netlink.Handle
	// Nft is a lasting nftables connection in the namespace (nil: one is
	// opened for the read). A transient one dials a new socket for each
	// chain's rules.
	Nft *nftables.Conn
}

// InspectRefs reads the namespaces refs, in the order given, as Inspect
// reads the caller's view; the caller keeps and closes the handles.
func InspectRefs(refs []NSRef) (*Snapshot, error) {
	ts := make([]snapTarget, len(refs))
	for i, r := range refs {
		ts[i] = snapTarget{r.Name, r.FD, r.NL, r.Nft, nil}
	}
	return snapshotOf(ts)
}
