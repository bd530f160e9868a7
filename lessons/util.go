package lessons

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkCIDR accepts an IPv4 address with a prefix length, 11.11.11.2/24.
// With host, the address part may have host bits (an interface address).
func checkCIDR(s string, host bool) error {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return fmt.Errorf("%q is not an IPv4 address with a prefix length, such as 11.11.11.2/24", s)
	}
	if !host && p.Masked() != p {
		return fmt.Errorf("%q has host bits set (the network is %s)", s, p.Masked())
	}
	return nil
}

func checkCIDROrIP(s string) error {
	if _, err := netip.ParseAddr(s); err == nil {
		return checkIP(s)
	}
	return checkCIDR(s, false)
}

func checkIP(s string) error {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return fmt.Errorf("%q is not an IPv4 address", s)
	}
	return nil
}

func checkHostPort(s string) error {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q: want ADDRESS:PORT, such as 203.0.113.1:8080", s)
	}
	if err := checkIP(h); err != nil {
		return err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q: want 1..65535", s, p)
	}
	return nil
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, or "".
func suggest(s string, cands []string) string {
	if s == "" {
		return ""
	}
	for _, c := range cands {
		if strings.EqualFold(s, c) {
			return fmt.Sprintf(" (did you mean %q?)", c)
		}
	}
	best, bestD := "", 1<<30
	for _, c := range cands {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 0
	switch n := len(s); {
	case n >= 9:
		limit = n / 3
	case n >= 5:
		limit = 2
	case n >= 2:
		limit = 1
	}
	if best == "" || bestD > limit {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal-string-alignment distance (typos: insert,
// delete, substitute, swap two neighbours).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 20
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+c)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
