package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/engine"
)

// The diagram is read again, every settleTick, while the kernel is still
// settling a link (linkwatch sets a veth's operational state some time
// after both ends are up), so it is redrawn without a key press. Linkwatch
// is done within a second or two; settleTries bounds the polling when a
// link stays between states for a reason the diagram cannot tell.
var settleTick = 100 * time.Millisecond // a var: tests shorten it

const settleTries = 30

// settleMsg is the lab read again while a link settles. seq names the
// watch it belongs to: a newer step or rebuild starts a new one.
type settleMsg struct {
	gen, seq, try int
	snap          *engine.Snapshot
	err           error
}

// settling reports whether a link of s is in a state the kernel is about
// to leave: up and without carrier, although what gives it carrier is
// there (a veth whose peer is up, a bridge with a port that is up).
func settling(s *engine.Snapshot) bool {
	if s == nil {
		return false
	}
	for _, n := range s.Namespaces {
		for i := range n.Links {
			l := &n.Links[i]
			if operClass(l) != "nocarrier" {
				continue
			}
			switch {
			case l.Peer != nil:
				if pn := s.NS(l.Peer.NS); pn != nil {
					if p := pn.Link(l.Peer.Name); p != nil && p.State == "up" {
						return true
					}
				}
			case l.Kind == "bridge":
				for j := range n.Links {
					if p := &n.Links[j]; p.Master == l.Name && operClass(p) == "up" {
						return true
					}
				}
			}
		}
	}
	return false
}

// watchSettle starts reading the lab again while s has a link settling;
// it replaces any earlier watch.
func (m *lessonModel) watchSettle(s *engine.Snapshot) tea.Cmd {
	if m.sess == nil || !settling(s) {
		return nil
	}
	m.settleSeq++
	return m.settleAfter(m.settleSeq, 1)
}

func (m *lessonModel) settleAfter(seq, try int) tea.Cmd {
	sess, gen := m.sess, m.gen
	return tea.Tick(settleTick, func(time.Time) tea.Msg {
		s, err := sess.Snapshot(context.Background())
		return settleMsg{gen: gen, seq: seq, try: try, snap: s, err: err}
	})
}

// settled redraws the diagram from a snapshot read while a link settled,
// keeping the step's highlights and adding what changed since.
func (m *lessonModel) settled(msg settleMsg) (*lessonModel, tea.Cmd) {
	if msg.gen != m.gen || msg.seq != m.settleSeq || m.sess == nil || m.busy != "" {
		return m, nil // a step or rebuild since brings its own snapshot
	}
	if msg.err != nil || msg.snap == nil {
		return m, nil
	}
	kept := m.changed
	m.setSnap(msg.snap, true)
	for k := range kept {
		m.changed[k] = true
	}
	if settling(msg.snap) && msg.try < settleTries {
		return m, m.settleAfter(msg.seq, msg.try+1)
	}
	return m, nil
}
