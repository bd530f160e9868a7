package lessons

// Causes of a failed connection to a Service address, named from the
// failed probe's journey (engine/journey/svc_journey.go): the snapshot
// alone sees nothing wrong on such a path (every route and link is
// there); the fault is in what netfilter did, or did not do, to the
// packet, which only the traced probe shows.

import (
	"strings"

	"github.com/nettutor/nettutor/engine/journey"
)

// Causes an exercise's `when:` cases (and a fault's `cause:`) may name
// for Services. Each comment lists the names a hint may use. A stale UDP
// entry is udpflow.go's stale-conntrack (CauseStaleConntrack), named
// from a journey too.
const (
	CauseSvcRejected = "svc-rejected"  // {ns} {chain} {rule} {service}: the Service has no endpoints; kube-proxy's REJECT in filter {chain} of {ns} answers
	CauseHairpinOff  = "hairpin-off"   // {ns} {dev} {bridge} {pod} {endpoint}: {pod} reaches itself through the Service, but its port {dev} on {bridge} in {ns} has hairpin off
	CauseBrNFOff     = "bridge-nf-off" // {ns} {bridge} {key} {endpoint} {pod}: {ns} bridges the endpoint's reply past netfilter ({key}=0), so it is never un-DNATed
	CauseNoMasq      = "no-masquerade" // {ns} {pod} {endpoint}: the Service's DNAT in {ns} sends {pod} to {endpoint} with no masquerade, so the reply bypasses {ns}
	// {ns} {chain} {rule} {service} {addr}: externalTrafficPolicy: Local and no endpoint of {service} on {ns}: kube-proxy's DROP in filter {chain} stops {addr}
	CauseSvcNoLocal = "svc-no-local-endpoints"
)

func init() {
	for _, c := range []string{CauseSvcRejected, CauseHairpinOff, CauseBrNFOff, CauseNoMasq, CauseSvcNoLocal} {
		if !contains(Causes, c) {
			Causes = append(Causes, c)
		}
	}
}

// ServiceHints is one hint per Service cause, in both languages, with the
// names fromService fills in: what a check says when its `when:` cases
// name none of them.
var ServiceHints = map[string]Text{
	CauseSvcRejected: {
		"en": "The Service {service} has no endpoints: in {ns}, filter {chain} rejects it ({rule}). Give it a ready endpoint, or check that the pod's labels match the Service's selector.",
		"ko": "Service {service}에 엔드포인트가 없습니다. {ns}의 filter {chain} 체인이 거부합니다({rule}). 준비된 엔드포인트를 주거나, 파드의 레이블이 Service의 셀렉터와 맞는지 확인하십시오.",
	},
	CauseHairpinOff: {
		"en": "{pod} reaches itself through the Service ({endpoint}), and the frame must leave {bridge} by the port it came in on, {dev} in {ns}: turn hairpin on there (bridge -n {ns} link set dev {dev} hairpin on).",
		"ko": "{pod}가 Service를 거쳐 자기 자신({endpoint})에게 갑니다. 이 프레임은 들어온 포트인 {ns}의 {dev}로 {bridge}를 다시 나가야 합니다. 그 포트의 hairpin을 켜십시오(bridge -n {ns} link set dev {dev} hairpin on).",
	},
	CauseBrNFOff: {
		"en": "{ns} has {key}=0: the reply of {endpoint} to {pod} is bridged on {bridge} without netfilter, so conntrack never puts the Service address back. Set {key}=1 in {ns}.",
		"ko": "{ns}에서 {key}=0입니다. {endpoint}가 {pod}에게 보내는 응답이 {bridge}에서 netfilter 없이 브리징되어 conntrack이 Service 주소로 되돌리지 못합니다. {ns}에서 {key}=1로 설정하십시오.",
	},
	CauseSvcNoLocal: {
		"en": "{service} has externalTrafficPolicy: Local and no endpoint on {ns}: kube-proxy drops connections from outside to {addr} there (filter {chain}: {rule}). Connect to a node that holds an endpoint, or set externalTrafficPolicy: Cluster.",
		"ko": "{service}의 externalTrafficPolicy가 Local이고 {ns}에는 엔드포인트가 없습니다. kube-proxy가 그 노드에서 외부의 {addr} 연결을 버립니다(filter {chain}: {rule}). 엔드포인트가 있는 노드로 연결하거나 externalTrafficPolicy: Cluster로 바꾸십시오.",
	},
	CauseNoMasq: {
		"en": "The Service's DNAT in {ns} sends {pod} to {endpoint} without a masquerade, so the reply does not come back through {ns} to be un-DNATed: mark such packets for KUBE-POSTROUTING's MASQUERADE (kube-proxy's -s {endpoint} -j KUBE-MARK-MASQ in the endpoint's chain).",
		"ko": "{ns}의 Service DNAT가 {pod}를 masquerade 없이 {endpoint}로 보내므로, 응답이 DNAT를 되돌릴 {ns}를 거쳐 돌아오지 않습니다. 이런 패킷에 KUBE-POSTROUTING의 MASQUERADE 표시를 하십시오(엔드포인트 체인의 kube-proxy 규칙 -s {endpoint} -j KUBE-MARK-MASQ).",
	},
}

// fromService names the cause of a failed probe to a Service address whose
// journey stopped at one of the Service stops; "" for any other stop.
func (d *diag) fromService() string {
	j := d.c.jrn
	if j == nil || j.Drop == nil {
		return ""
	}
	dr := j.Drop
	set := func(pairs ...string) {
		for i := 0; i+1 < len(pairs); i += 2 {
			if v := dr.Names[pairs[i+1]]; v != "" {
				d.v[pairs[i]] = v
			}
		}
	}
	switch dr.Reason {
	case journey.ReasonSvcRejected:
		set("ns", "node", "chain", "chain", "rule", "rule", "service", "service")
		return CauseSvcRejected
	case journey.ReasonHairpinOff:
		set("ns", "node", "dev", "port", "bridge", "bridge", "pod", "pod", "endpoint", "endpoint")
		return CauseHairpinOff
	case journey.ReasonBrNFOff:
		set("ns", "node", "bridge", "bridge", "key", "key", "endpoint", "endpoint", "pod", "pod")
		return CauseBrNFOff
	case journey.ReasonStaleCT:
		set("ns", "node", "endpoint", "endpoint", "entry", "entry")
		if ep, _, ok := strings.Cut(d.v["endpoint"], ":"); ok {
			d.v["endpoint"] = ep
		}
		return CauseStaleConntrack
	case journey.ReasonSvcNoLocal:
		set("ns", "node", "chain", "chain", "rule", "rule", "service", "service", "addr", "addr")
		return CauseSvcNoLocal
	case journey.ReasonNoMasq:
		set("ns", "node", "pod", "pod", "endpoint", "endpoint")
		if ep, _, ok := strings.Cut(d.v["endpoint"], ":"); ok {
			d.v["endpoint"] = ep
		}
		return CauseNoMasq
	}
	return ""
}
