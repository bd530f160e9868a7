package engine

import "strings"

// RuleLine is a snapshot rule as the topology lists it. A rule the
// snapshot reads in iptables form (kube-proxy's -m statistic, -m mark and
// -m addrtype included: iptables/render.go) is shown as it is. One it
// cannot spell in that form ("# nft: ip TABLE CHAIN: ...", a match no
// decoder here knows) is shown by its table and chain with the command
// that prints it in full, not in the reader's own notation.
func RuleLine(r string) string {
	rest, ok := strings.CutPrefix(r, "# nft: ip ")
	if !ok {
		return r
	}
	table, more, _ := strings.Cut(rest, " ")
	chain, _, _ := strings.Cut(more, ":")
	return "-t " + table + " -A " + chain + " ...  (iptables -t " + table + " -S shows this rule in full)"
}
