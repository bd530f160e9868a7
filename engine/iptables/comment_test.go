package iptables

import (
	"reflect"
	"strings"
	"testing"
)

// cniRules are the rules the CNI bridge plugin (ipMasq) leaves for one pod,
// as `iptables -t nat -S` prints them.
var cniRules = []string{
	`-A POSTROUTING -s 10.244.0.2/32 -m comment --comment "name: \"cbr0\" id: \"pod-a\"" -j CNI-0fea042e7a9d1b13b279cf4f`,
	`-A CNI-0fea042e7a9d1b13b279cf4f -d 10.244.0.0/24 -m comment --comment "name: \"cbr0\" id: \"pod-a\"" -j ACCEPT`,
	`-A CNI-0fea042e7a9d1b13b279cf4f ! -d 224.0.0.0/4 -m comment --comment "name: \"cbr0\" id: \"pod-a\"" -j MASQUERADE`,
	`-A FORWARD -m comment --comment plain_word-1 -j ACCEPT`,
}

// TestCommentForms: a rule with -m comment reads back from its
// `iptables -S` line (Fields undoes the quotes), prints that line again,
// and its command is one a shell reads back to the same words.
func TestCommentForms(t *testing.T) {
	for _, spec := range cniRules {
		words := Fields("-t nat " + spec)
		r, err := Parse(words)
		if err != nil {
			t.Fatalf("Parse(Fields(%q)): %v", spec, err)
		}
		if got := r.Spec(); got != spec {
			t.Errorf("Spec = %q\nwant   %q", got, spec)
		}
		if got := Fields(r.String()); !reflect.DeepEqual(got, words) {
			t.Errorf("Fields(String()) = %q, want %q", got, words)
		}
		if strings.Contains(spec, "pod-a") && r.Comment != `name: "cbr0" id: "pod-a"` {
			t.Errorf("comment %q", r.Comment)
		}
	}
	if got := (Rule{Table: "nat", Chain: "POSTROUTING", Comment: `a 'b' $c`, Target: "MASQUERADE"}).Command(); got != `iptables -t nat -A POSTROUTING -m comment --comment "a 'b' \$c" -j MASQUERADE` {
		t.Errorf("Command = %s", got)
	}
	if got := saveString(`it's`); got != `"it\'s"` {
		t.Errorf(`saveString("it's") = %s, want "it\'s" as libxtables writes it`, got)
	}
	for _, bad := range [][]string{
		{"-A", "FORWARD", "--comment", "x", "-j", "ACCEPT"},
		{"-A", "FORWARD", "-m", "comment", "!", "--comment", "x", "-j", "ACCEPT"},
		{"-A", "FORWARD", "-m", "comment", "--comment", strings.Repeat("x", 256), "-j", "ACCEPT"},
	} {
		if r, err := Parse(bad); err == nil {
			if _, err := r.exprs(); err == nil {
				t.Errorf("Parse(%q) took it", bad)
			}
		}
	}
}

// TestCommentListedByIptables: a commented rule added through netlink is
// the one iptables -S lists, and List decodes the one iptables added.
func TestCommentListedByIptables(t *testing.T) {
	for _, spec := range cniRules[:3] {
		l := newLab(t)
		if _, e, err := l.run(t, "iptables", "-t", "nat", "-N", "CNI-0fea042e7a9d1b13b279cf4f"); err != nil {
			t.Fatalf("iptables -N: %v %s", err, e)
		}
		r, err := Parse(Fields("-t nat " + spec))
		if err != nil {
			t.Fatal(err)
		}
		if err := Add(l.conn, r); err != nil {
			t.Fatalf("Add: %v", err)
		}
		contains1(t, "iptables -S", l.save(t, "nat"), spec)
		contains1(t, "List", l.list(t), "-t nat "+spec)
		// The same rule typed into iptables reads back the same way.
		l2 := newLab(t)
		if _, e, err := l2.run(t, "iptables", "-t", "nat", "-N", "CNI-0fea042e7a9d1b13b279cf4f"); err != nil {
			t.Fatalf("iptables -N: %v %s", err, e)
		}
		args := append([]string{"iptables", "-t", "nat"}, Fields(spec)...)
		if _, e, err := l2.run(t, args...); err != nil {
			t.Fatalf("iptables %q: %v %s", args, err, e)
		}
		contains1(t, "List after iptables", l2.list(t), "-t nat "+spec)
	}
}
