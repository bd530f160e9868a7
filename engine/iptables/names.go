package iptables

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// UnknownNameError is returned by CheckNames for a chain or a target that
// iptables would refuse with "No chain/target/match by that name": Parse
// cannot tell a typo (POSTROUTNG, MASQ) from a user chain, so a rule that
// parses may still fail when it is added.
type UnknownNameError struct {
	Kind  string // "chain" or "target"
	Table string
	Name  string
	// Near is the built-in chain or target Name is likely a typo of, or "".
	Near string
	// OtherTable is set when Name is a built-in chain of another table
	// (-t nat -A FORWARD): that table's name.
	OtherTable string
}

func (e *UnknownNameError) Error() string {
	var b strings.Builder
	switch {
	case e.Kind == "chain" && e.OtherTable != "":
		fmt.Fprintf(&b, "chain %s is in table %s, not %s (the chains of %s: %s)", e.Name, e.OtherTable, e.Table, e.Table, strings.Join(builtinChains[e.Table], ", "))
		return b.String()
	case e.Kind == "chain":
		fmt.Fprintf(&b, "no chain %q in table %s", e.Name, e.Table)
	default:
		fmt.Fprintf(&b, "unknown target %q", e.Name)
	}
	if e.Near != "" {
		fmt.Fprintf(&b, " (did you mean %q?)", e.Near)
	}
	if e.Kind == "chain" {
		fmt.Fprintf(&b, ": its chains are %s, and a chain of your own needs `iptables -t %s -N %s` first", strings.Join(builtinChains[e.Table], ", "), e.Table, e.Name)
	} else {
		fmt.Fprintf(&b, ": not one of %s, nor a chain made with `iptables -t %s -N %s`", strings.Join(targetNames(), ", "), e.Table, e.Name)
	}
	return b.String()
}

// targetNames lists the standard targets in a fixed order for messages.
func targetNames() []string {
	return []string{"ACCEPT", "DROP", "REJECT", "RETURN", "MASQUERADE", "SNAT", "DNAT"}
}

// CheckNames reports (as an *UnknownNameError) a chain that is neither a
// built-in chain of the rule's table nor a user chain, and a jump target
// that is neither a standard target nor a user chain. userChain tells
// whether a chain of that table was made with -N; nil means none was.
func (r Rule) CheckNames(userChain func(table, chain string) bool) error {
	user := func(name string) bool { return userChain != nil && userChain(r.Table, name) }
	if !IsBuiltinChain(r.Table, r.Chain) && !user(r.Chain) {
		e := &UnknownNameError{Kind: "chain", Table: r.Table, Name: r.Chain, Near: near(r.Chain, builtinChains[r.Table])}
		for _, t := range Tables {
			if t != r.Table && IsBuiltinChain(t, r.Chain) {
				e.OtherTable = t
			}
		}
		return e
	}
	if r.Target != "" && !standardTargets[r.Target] && !user(r.Target) {
		return &UnknownNameError{Kind: "target", Table: r.Table, Name: r.Target, Near: near(r.Target, targetNames())}
	}
	return nil
}

// NewChainIn reads a shell command's words and, when they are an
// `iptables [-t TABLE] -N CHAIN` command (possibly after a prefix such as
// `ip netns exec RED` or `sudo`, and up to a shell separator), returns the
// table and the chain it makes.
func NewChainIn(words []string) (table, chain string, ok bool) {
	start := -1
	for i, w := range words {
		if b := path.Base(w); b == "iptables" || b == "iptables-nft" || b == "iptables-legacy" {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return "", "", false
	}
	table = "filter"
	for i := start; i < len(words); i++ {
		w := words[i]
		switch {
		case w == ";" || w == "&&" || w == "||" || w == "|" || w == "&":
			return table, chain, chain != ""
		case (w == "-t" || w == "--table") && i+1 < len(words):
			i++
			table = words[i]
		case strings.HasPrefix(w, "--table="):
			table = strings.TrimPrefix(w, "--table=")
		case strings.HasPrefix(w, "-t") && len(w) > 2 && !strings.HasPrefix(w, "--"):
			table = w[2:]
		case (w == "-N" || w == "--new-chain") && i+1 < len(words):
			i++
			chain = strings.TrimRight(words[i], ";")
		case strings.HasPrefix(w, "--new-chain="):
			chain = strings.TrimPrefix(w, "--new-chain=")
		}
	}
	return table, chain, chain != ""
}

// near returns the candidate s is most likely a typo of: the same word in
// another case, a prefix of three letters or more (MASQ), or one within
// two edits (POSTROUTNG); "" when none is that close.
func near(s string, candidates []string) string {
	up := strings.ToUpper(s)
	best, bestD := "", 3
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		if up == c || (len(up) >= 3 && strings.HasPrefix(c, up)) {
			return c
		}
		if d := editDistance(up, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two ASCII words.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
