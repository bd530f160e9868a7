package journey

import (
	"fmt"
	"strings"

	"github.com/nettutor/nettutor/assets"
)

// msg is one sentence of a journey's explanation: a key of
// assets/strings/journey.LANG.json and its arguments. A stop keeps its
// sentences, not only their English text, so that a check can say in
// English what a learner reads in Korean (Drop.Text).
type msg struct {
	key  string
	args []any
}

func m(key string, args ...any) msg { return msg{key, args} }

// render is the sentence in lang; arguments that are sentences themselves
// (or lists of them) are rendered in the same language first.
func (s msg) render(lang string) string {
	args := make([]any, len(s.args))
	for i, a := range s.args {
		switch v := a.(type) {
		case msg:
			args[i] = v.render(lang)
		case []msg:
			parts := make([]string, len(v))
			for k, p := range v {
				parts[k] = p.render(lang)
			}
			args[i] = strings.Join(parts, "; ")
		default:
			args[i] = a
		}
	}
	return assets.Tf(lang, "journey."+s.key, args...)
}

// tr is one sentence of the journey in lang.
func tr(lang, key string, args ...any) string { return m(key, args...).render(lang) }

// Text is the stop's detail in lang ("en" or "ko"): the same facts as
// Detail, which is in the language the journey was made in.
func (d *Drop) Text(lang string) string {
	if d == nil {
		return ""
	}
	if len(d.parts) == 0 {
		return d.Detail
	}
	out := make([]string, len(d.parts))
	for i, p := range d.parts {
		out[i] = p.render(lang)
	}
	return strings.Join(out, "")
}

// ReasonText is the stop reason in words, in lang: what the "why:" line of
// a failed check says before the detail.
func ReasonText(lang, reason string) string { return tr(lang, "reason."+reason) }

// newDrop is a stop whose detail is the sentence s, rendered in lang.
func newDrop(lang, ns, where, reason, leg string, s msg) *Drop {
	return &Drop{NS: ns, Where: where, Reason: reason, Leg: leg, Detail: s.render(lang), parts: []msg{s}, lang: lang}
}

// add appends the sentence s to the stop's detail.
func (d *Drop) add(s msg) {
	d.parts = append(d.parts, s)
	d.Detail += s.render(d.lang)
}

// errText names an error for a sentence: the errno's own words.
func errText(err error) string { return fmt.Sprint(errnoText(err)) }

// EncapText is the hop's outer packet in a few words, in lang ("" when
// the hop is not a tunnel's): what the ladder, the y view and the CLI
// add to a hop's line.
func (h Hop) EncapText(lang string) string {
	if h.Encap == nil {
		return ""
	}
	e := h.Encap
	return tr(lang, "cli.encap", strings.ToUpper(e.Kind), e.VNI, e.Src, e.Dst, e.Dport)
}

// Why is the journey's stop in one line, in lang: the reason and the place,
// as the "why:" line of a failed check shows it; "" when nothing stopped it.
func (j *Journey) Why(lang string) string {
	if j == nil || j.Drop == nil {
		return ""
	}
	return tr(lang, "why.stop", ReasonText(lang, j.Drop.Reason), j.Drop.NS, j.Drop.Where)
}

// Compact is the journey in a few lines for a transcript, in lang: a head
// line (with "replayed" when no hop was captured), one line per hop (ns/dev,
// direction, addresses, the rewrite made there), and the stop.
func (j *Journey) Compact(lang string) []string {
	what := j.Proto
	if j.Port != 0 {
		what = fmt.Sprintf("%s/%d", j.Proto, j.Port)
	}
	observed := false
	for _, h := range j.Hops {
		observed = observed || h.Observed
	}
	if !observed {
		what += ", " + tr(lang, "plain.replayed")
	}
	result := tr(lang, "result."+j.Result)
	// Where the replay ends in a namespace whose rules it does not all
	// follow (a published port's DNAT with -m addrtype), it cannot say the
	// packet was delivered there: the real one may have been sent on.
	unsure := false
	if n := len(j.Hops); n > 0 && j.Result == Replied {
		for _, ns := range j.Unreplayed {
			unsure = unsure || ns == j.Hops[n-1].NS
		}
	}
	if unsure {
		result = tr(lang, "plain.unsure", j.Hops[len(j.Hops)-1].NS)
	}
	out := []string{tr(lang, "plain.head", j.From, j.To, what, result)}
	for i, h := range j.Hops {
		line := fmt.Sprintf("  %s/%s %s", h.NS, h.Dev, h.Dir)
		if h.Src != "" {
			line += fmt.Sprintf(" %s -> %s", h.Src, h.Dst)
		}
		if i > 0 && j.Hops[i-1].NS == h.NS && h.Src != "" && j.Hops[i-1].Src != "" {
			// A Service's connection may be both: DNATed on the way in,
			// masqueraded on the way out of the same node.
			if p := j.Hops[i-1]; p.Src != h.Src {
				line += "  " + h.srcNAT(lang, p.Src, h.Src)
				if p.Dst != h.Dst && len(h.NAT) > 0 {
					line += "  " + tr(lang, "why.dnat", p.Dst, h.Dst)
				}
			} else if p.Dst != h.Dst {
				line += "  " + tr(lang, "why.dnat", p.Dst, h.Dst)
			}
		}
		if i == 0 {
			// The sender's own nat OUTPUT (a node to a Service address).
			for _, r := range h.NAT {
				switch r.Kind {
				case "dnat":
					line += "  " + tr(lang, "svcpredict.output_dnat", r.From, r.To)
				case KindMasquerade:
					line += "  " + r.why(lang)
				}
			}
		}
		if e := h.EncapText(lang); e != "" {
			line += "  " + e
		}
		if i == len(j.Hops)-1 && j.Result == Replied && !unsure {
			line += "  " + tr(lang, "leg.delivered")
		}
		out = append(out, line)
	}
	if j.Drop != nil {
		out = append(out, "  "+tr(lang, "plain.stop", ReasonText(lang, j.Drop.Reason), j.Drop.Detail))
	}
	for _, ns := range j.Unreplayed {
		out = append(out, "  "+tr(lang, "plain.unreplayed", ns))
	}
	return out
}
