package journey

import (
	"sync"

	"github.com/google/nftables"
)

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

// closeTracers drops every tracer's table side by side and returns once
// all are gone: the kernel releases an owned table when its socket
// closes, after an RCU grace period (synchronize_rcu in
// nft_rcv_nl_event), and waits that run at once share one, where one
// after the other they cost a grace period per namespace.
func closeTracers(ts []*tracer) {
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.close()
		}()
	}
	wg.Wait()
}
