package lessons

// The `policy` check (a goal's invariant: "the FORWARD policy stays DROP")
// and the causes read from a failed probe's journey: a FORWARD rule that
// drops it (an admin's DROP in DOCKER-USER) and strict reverse path
// filtering on an asymmetric path. The snapshot-based diagnosis
// (cause.go) names what it can see; for these the journey, the one
// explanation of paths (engine/journey), has already found the stop.

import (
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/journey"
)

// Causes found from the journey, and the policy check's.
const (
	CausePolicy      = "policy"       // {ns} {table} {chain} {have} {want}: the chain's policy is not what the goal keeps
	CauseForwardRule = "forward-rule" // {ns} {rule}: a filter rule on the way (DOCKER-USER) drops it
	CauseRPFilter    = "rp-filter"    // {ns} {dev} {value}: strict reverse path filtering drops what arrives on {dev}
)

func init() { Causes = append(Causes, CausePolicy, CauseForwardRule, CauseRPFilter) }

// policyOf is the policy of table's chain in ns as iptables -S prints it
// ("-P FORWARD DROP"); ACCEPT when the chain is not there, which is what
// the kernel does without it.
func (c *checker) policyOf(ns, table, chain string) (string, error) {
	text, err := c.lab.ShowText(ns, table)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "-P" && f[1] == chain {
			return f[2], nil
		}
	}
	return "ACCEPT", nil
}

func tableOr(t string) string {
	if t == "" {
		return "filter"
	}
	return t
}

// policy runs a `policy` check.
func (c *checker) policy(g AssertArgs) string {
	ns, table := nsOr(g.NS), tableOr(g.Table)
	have, err := c.policyOf(ns, table, g.Chain)
	if err != nil {
		return assets.C("fault.policy.read", "ns", ns, "table", table, "err", err.Error())
	}
	if have != g.Value {
		return assets.C("fault.policy.value", "ns", ns, "table", table, "chain", g.Chain, "have", have, "want", g.Value)
	}
	return ""
}

// policyCause fills the names of a failed policy check.
func (c *checker) policyCause(g AssertArgs, v vars) string {
	ns, table := nsOr(g.NS), tableOr(g.Table)
	have, _ := c.policyOf(ns, table, g.Chain)
	v["ns"], v["table"], v["chain"], v["have"], v["want"] = ns, table, g.Chain, have, g.Value
	return CausePolicy
}

// fromJourney names the cause of a failed probe from its journey's stop,
// for the stops the snapshot-based diagnosis does not see: a FORWARD
// rule's DROP (a user chain's too), the FORWARD policy behind user chains
// that accepted nothing, and rp_filter.
func (d *diag) fromJourney() string {
	j := d.c.jrn
	if j == nil || j.Drop == nil {
		return ""
	}
	dr := j.Drop
	switch dr.Reason {
	case journey.ReasonRule, journey.ReasonPolicy, journey.ReasonBrNF:
		if !strings.Contains(dr.Where, "FORWARD") {
			return ""
		}
		d.v["ns"], d.v["rule"] = dr.NS, dr.Rule
		if strings.HasPrefix(dr.Rule, "-P ") {
			return CauseForwardDrop
		}
		return CauseForwardRule
	case journey.ReasonRPFilter:
		d.v["ns"], d.v["dev"] = dr.NS, dr.Where
		if v, err := d.c.lab.ReadSysctl(dr.NS, "net.ipv4.conf.all.rp_filter"); err == nil {
			d.v["value"] = v
		}
		return CauseRPFilter
	}
	return ""
}
