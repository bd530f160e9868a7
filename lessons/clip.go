package lessons

// Bounded details. A check's detail names what the lab holds instead of
// what it wants (its links, routes, rules, namespaces); a lab can make
// thousands of those (8000 links made one 170 KB line), so lists are cut
// to their first maxListed items, with a count of the rest, and a whole
// detail to maxDetail bytes.

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nettutor/nettutor/assets"
)

// maxListed is how many items of a list a detail names.
const maxListed = 20

// maxDetail is the most bytes a check's detail (or a hint's fill) holds.
const maxDetail = 4096

// clipList joins items with ", ", the first n of them, then "… and N
// more" (in the learner's language) for the rest.
func clipList(items []string, n int) string { return clipJoin(items, n, ", ") }

// clipJoin is clipList with another separator.
func clipJoin(items []string, n int, sep string) string {
	if len(items) <= n {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:n], sep) + sep + assets.C("fault.list_more", "n", strconv.Itoa(len(items)-n))
}

// clipDetail cuts a rendered detail to maxDetail bytes, on a rune
// boundary, marked with "…".
func clipDetail(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
