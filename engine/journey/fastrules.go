package journey

import "github.com/google/nftables"

// getRules is table/chain's rules, read over netlink once per trace: a
// probe's trace events name several rules of the same chain (KUBE-SVC-…
// is entered by the request and named again by each of its rules the
// packet took), and every one of them used to cost a dump of the chain.
func (t *tracer) getRules(table, chain string) ([]*nftables.Rule, error) {
	k := table + "/" + chain
	if rs, ok := t.chainRules[k]; ok {
		return rs, nil
	}
	tb := &nftables.Table{Name: table, Family: nftables.TableFamilyIPv4}
	rs, err := t.conn.GetRules(tb, &nftables.Chain{Name: chain, Table: tb})
	if err != nil {
		return nil, err
	}
	if t.chainRules == nil {
		t.chainRules = map[string][]*nftables.Rule{}
	}
	t.chainRules[k] = rs
	return rs, nil
}
