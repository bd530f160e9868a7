package lessons

// The cause ids of Services, agreed with the journey (svc-trace): a stop
// of a Service connection has a cause of its own. This is the minimal set
// the Service exercises need; `stale-conntrack` is udpflow.go's.

const (
	CauseSvcRejected  = "svc-rejected"  // {ns} {rule}: a filter rule REJECTs the Service address (kube-proxy's rule for a Service without endpoints)
	CauseHairpinOff   = "hairpin-off"   // {ns} {dev} {bridge} {pod}: the Service sent {pod} to itself and its bridge port {dev} has hairpin off
	CauseBridgeNFOff  = "bridge-nf-off" // {ns} {bridge} {key} {backend}: the endpoint's reply on the client's own bridge skips conntrack, so it is never un-DNATed
	CauseNoMasquerade = "no-masquerade" // {ns} {src} {backend} [{node}]: a Service connection that needs source NAT (hairpin, a NodePort to another node's endpoint) kept its source
)

func init() {
	for _, c := range []string{CauseSvcRejected, CauseHairpinOff, CauseBridgeNFOff, CauseNoMasquerade} {
		if !contains(Causes, c) {
			Causes = append(Causes, c)
		}
	}
}
