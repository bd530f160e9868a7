package journey

import (
	"net"
	"sync"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
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

// startTracersIn starts a tracer in each of nss, side by side, in nss's
// order. A namespace with no nftables table at all (a pod's, usually)
// gets a tracer that listens to nothing: with no chain of its own there,
// the kernel reports no rule for the probe, which is what a real tracer
// would hear, and the journey still counts the namespace as traced.
func startTracersIn(nss []*nsEnv, proto uint8, port int) []*tracer {
	ts := make([]*tracer, len(nss))
	var wg sync.WaitGroup
	for i, n := range nss {
		if n.nft != nil {
			if tables, err := n.nft.ListTables(); err == nil && len(tables) == 0 {
				ts[i] = &tracer{ns: n, conn: n.nft, fd: -1, owner: -1}
				continue
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if t, err := n.startTracer(proto, port); err == nil {
				ts[i] = t
			}
		}()
	}
	wg.Wait()
	out := ts[:0]
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// dropTable deletes the tracer's table in a batch of its own before its
// socket closes: a table deleted this way is freed in the background,
// while the table of a closing owner is freed after a grace period the
// close waits for (a process that exits with its tracers' sockets open
// waits for one per namespace, one after the other).
func (t *tracer) dropTable() {
	_ = sendBatch(t.owner, [][]byte{nftMsg(unix.NFT_MSG_DELTABLE, attr(unix.NFTA_TABLE_NAME, cstrBytes(traceTableName)))})
}

// startSaves starts iptables-save, once the destination is known to be
// inside, in each namespace on the walked path (onPath) that will be
// traced and whose rules the snapshot could not all print (startSave):
// its process start and ruleset dump then overlap the tracers' set-up and
// the probe, instead of being waited for once the trace events are read.
// A namespace off the path starts its own only if its trace events name
// such a rule (ruleByHandle): in the lab's one CPU, an iptables-save
// nobody reads costs as much as one that is read.
func (e *env) startSaves(dst net.IP) {
	all := e.owner(dst.String()) == nil
	for _, n := range e.nss {
		if n.save != nil || n.unrendered == 0 || len(n.rules) == 0 && !hasDropPolicy(n) && !all || !e.onPath[n.name] {
			continue
		}
		// Started from a goroutine: starting a process waits for its
		// exec, which the trace need not wait for.
		w := &saved{done: make(chan struct{}), lines: map[string][]string{}}
		n.save = w
		go func() {
			defer close(w.done)
			if s := n.startSave(); s != nil {
				<-s.done
				w.lines = s.lines
			}
		}()
	}
}

// walked notes that checkInside's walk crossed n and, when it leaves by
// dev, the namespace at the far end of dev's veth (a bridge there is
// crossed at layer 2, and its netfilter hooks may run: br_netfilter).
func (e *env) walked(n *nsEnv, dev string) {
	if e.onPath == nil {
		e.onPath = map[string]bool{}
	}
	e.onPath[n.name] = true
	if l := n.link(dev); dev != "" && l != nil && l.Peer != nil && l.Peer.NS != "" {
		e.onPath[l.Peer.NS] = true
	}
}
