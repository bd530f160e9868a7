package iptables

import (
	"errors"
	"fmt"
	"sort"

	"github.com/google/nftables"
)

// ErrNoRule is returned by Delete when no rule matches, as `iptables -D`
// fails then too.
var ErrNoRule = errors.New("no such rule")

// ErrNoChain is returned when a rule names a user chain (to append to or to
// jump to) that does not exist; iptables refuses that too.
var ErrNoChain = errors.New("no such chain")

// tableChains returns the IPv4 chains of one table by name; nil, nil when
// the table does not exist yet (an empty namespace has no tables).
func tableChains(c *nftables.Conn, tableName string) (map[string]*nftables.Chain, []*nftables.Chain, error) {
	all, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, nil, errorf("list chains: %w", err)
	}
	byName := map[string]*nftables.Chain{}
	var list []*nftables.Chain
	for _, ch := range all {
		if ch.Table != nil && ch.Table.Name == tableName {
			byName[ch.Name] = ch
			list = append(list, ch)
		}
	}
	return byName, list, nil
}

func tableExists(c *nftables.Conn, name string) (bool, error) {
	ts, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return false, errorf("list tables: %w", err)
	}
	for _, t := range ts {
		if t.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// ensureChain queues creation of the table and of a built-in chain when
// they are missing. Existing ones are left alone: re-adding a base chain
// would reset a policy the learner set with `iptables -P`.
func ensureChain(c *nftables.Conn, chains map[string]*nftables.Chain, tableName, chain string) error {
	if chains[chain] != nil {
		return nil
	}
	if !IsBuiltinChain(tableName, chain) {
		return errorf("chain %s in table %s: %w", chain, tableName, ErrNoChain)
	}
	ok, err := tableExists(c, tableName)
	if err != nil {
		return err
	}
	t := table(tableName)
	if !ok {
		c.AddTable(t)
	}
	c.AddChain(newChain(t, chain))
	return nil
}

// findRule returns the first rule in the chain that decodes to r.
func findRule(c *nftables.Conn, ch *nftables.Chain, r Rule) (*nftables.Rule, error) {
	rules, err := c.GetRules(ch.Table, ch)
	if err != nil {
		return nil, errorf("list rules of %s %s: %w", ch.Table.Name, ch.Name, err)
	}
	want := r.String()
	for _, nr := range rules {
		if got, ok := decode(r.Table, r.Chain, nr.Exprs); ok && got.String() == want {
			return nr, nil
		}
	}
	return nil, nil
}

// Add appends r to its chain unless an identical rule is already there, so
// a step can be replayed. It creates the table and the built-in chain the
// way iptables-nft does when they are missing; a user chain (to append to
// or to jump to) must exist already (see NewChain), as with iptables.
func Add(c *nftables.Conn, r Rule) error {
	r = r.Canonical()
	exprs, err := r.exprs()
	if err != nil {
		return errorf("%s: %w", r.Command(), err)
	}
	chains, _, err := tableChains(c, r.Table)
	if err != nil {
		return err
	}
	if !standardTargets[r.Target] && r.Target != "" && chains[r.Target] == nil {
		return errorf("target chain %s in table %s: %w", r.Target, r.Table, ErrNoChain)
	}
	if ch := chains[r.Chain]; ch != nil {
		old, err := findRule(c, ch, r)
		if err != nil || old != nil {
			return err
		}
	}
	if r.RejectWith == "tcp-reset" {
		// The kernel checks tcp-reset against the rule's protocol, which
		// iptables-nft passes in NFTA_RULE_COMPAT; google/nftables sets
		// that attribute only for a few xt matches, so we cannot send it.
		return errorf("%s: --reject-with tcp-reset: %w", r.Command(), ErrUnsupported)
	}
	// Checked before anything is queued on c, so a refused rule leaves
	// nothing behind for the caller's next Flush.
	if err := ensureChain(c, chains, r.Table, r.Chain); err != nil {
		return err
	}
	t := table(r.Table)
	c.AddRule(&nftables.Rule{Table: t, Chain: &nftables.Chain{Table: t, Name: r.Chain}, Exprs: exprs})
	if err := c.Flush(); err != nil {
		return errorf("%s: %w", r.Command(), err)
	}
	return nil
}

// Delete removes the first rule equal to r, as `iptables -D` does. It
// returns an error wrapping ErrNoRule when there is none.
func Delete(c *nftables.Conn, r Rule) error {
	r = r.Canonical()
	if err := r.validate(); err != nil {
		return errorf("%s: %w", r.Command(), err)
	}
	chains, _, err := tableChains(c, r.Table)
	if err != nil {
		return err
	}
	ch := chains[r.Chain]
	if ch == nil {
		return errorf("%s: %w", r.String(), ErrNoRule)
	}
	old, err := findRule(c, ch, r)
	if err != nil {
		return err
	}
	if old == nil {
		return errorf("%s: %w", r.String(), ErrNoRule)
	}
	if err := c.DelRule(old); err != nil {
		return errorf("delete %s: %w", r.String(), err)
	}
	if err := c.Flush(); err != nil {
		return errorf("delete %s: %w", r.String(), err)
	}
	return nil
}

// NewChain creates a user-defined chain (`iptables -t TABLE -N NAME`) if it
// does not exist, creating the table too when needed.
func NewChain(c *nftables.Conn, tableName, name string) error {
	if _, ok := builtinChains[tableName]; !ok {
		return errorf("table %q: %w (only nat and filter)", tableName, ErrUnsupported)
	}
	if IsBuiltinChain(tableName, name) || standardTargets[name] || !validChainName(name) {
		return errorf("invalid chain name %q", name)
	}
	chains, _, err := tableChains(c, tableName)
	if err != nil {
		return err
	}
	if chains[name] != nil {
		return nil
	}
	ok, err := tableExists(c, tableName)
	if err != nil {
		return err
	}
	t := table(tableName)
	if !ok {
		c.AddTable(t)
	}
	c.AddChain(newChain(t, name))
	if err := c.Flush(); err != nil {
		return errorf("new chain %s: %w", name, err)
	}
	return nil
}

// List returns every rule of the IPv4 tables nat and filter, as
// "-t nat -A POSTROUTING ..." lines in the order `iptables -S` prints them:
// per table, "-N" lines for user chains, then the rules of the built-in
// chains in their fixed order, then those of user chains by name. A rule
// that Rule cannot hold is spelled by render as iptables -S does; one
// that has no iptables form known here comes out as "# nft: TABLE CHAIN: <nft-like
// text>" so the tutor can still show what is there.
func List(c *nftables.Conn) ([]string, error) {
	var out []string
	// One dump of the chains for every table: a snapshot lists each
	// namespace's rules, twice a step (issue 25).
	all, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, errorf("list chains: %w", err)
	}
	for _, tn := range Tables {
		var chains []*nftables.Chain
		for _, ch := range all {
			if ch.Table != nil && ch.Table.Name == tn {
				chains = append(chains, ch)
			}
		}
		if len(chains) == 0 {
			continue
		}
		var builtin, user, other []*nftables.Chain
		for _, name := range builtinChains[tn] {
			for _, ch := range chains {
				if ch.Name == name {
					builtin = append(builtin, ch)
				}
			}
		}
		for _, ch := range chains {
			switch {
			case IsBuiltinChain(tn, ch.Name):
			case ch.Hooknum == nil:
				user = append(user, ch)
			default:
				// A base chain iptables did not make, e.g. nft's "postrouting".
				other = append(other, ch)
			}
		}
		sort.Slice(user, func(i, j int) bool { return user[i].Name < user[j].Name })
		sort.Slice(other, func(i, j int) bool { return other[i].Name < other[j].Name })
		for _, ch := range user {
			out = append(out, fmt.Sprintf("-t %s -N %s", tn, ch.Name))
		}
		for _, group := range [][]*nftables.Chain{builtin, user, other} {
			for _, ch := range group {
				rules, err := c.GetRules(ch.Table, ch)
				if err != nil {
					out = append(out, fmt.Sprintf("# nft: ip %s %s: cannot read rules: %v", tn, ch.Name, err))
					continue
				}
				for _, nr := range rules {
					iptForm := IsBuiltinChain(tn, ch.Name) || ch.Hooknum == nil
					if r, ok := decode(tn, ch.Name, nr.Exprs); ok && iptForm {
						out = append(out, r.String())
					} else if line, ok := render(tn, ch.Name, nr.Exprs); ok && iptForm {
						out = append(out, line)
					} else {
						out = append(out, fmt.Sprintf("# nft: ip %s %s: %s", tn, ch.Name, describe(nr.Exprs)))
					}
				}
			}
		}
	}
	return out, nil
}
