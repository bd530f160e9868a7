package serve

import (
	"sort"
	"sync"
	"time"

	"github.com/nettutor/nettutor/serve/link"
)

// member is one live member session as the dashboard sees it.
type member struct {
	id      int
	who     Member
	started time.Time
	input   func() time.Time // the client's last input
	send    func(link.Msg) error
	stop    func(reason string)
	// presenter marks the presenter's own lesson view: its place is what
	// "follow me" broadcasts, and it is no row of the dashboard.
	presenter bool
	// up is called when the TUI first reports (runChild): it is up.
	up func()

	mu     sync.Mutex
	status link.Msg
	stated bool // a status came
}

func (m *member) setStatus(st link.Msg) {
	m.mu.Lock()
	m.status, m.stated = st, true
	m.mu.Unlock()
}

// Row is one member's line on the dashboard.
type Row struct {
	ID        int
	Name      string
	Lesson    string
	Step      int
	Steps     int
	Passed    int
	Check     *link.Check
	Hand      bool
	Idle      time.Duration
	Presenter bool
}

// lastActive is the newest of the client's last input and the TUI's last
// key (the TUI knows keys typed in a lab shell no better than the server).
func (m *member) lastActive() time.Time {
	m.mu.Lock()
	st := m.status
	m.mu.Unlock()
	last := m.started
	if m.input != nil {
		last = m.input()
	}
	if st.Active.After(last) {
		last = st.Active
	}
	return last
}

func (m *member) row(now time.Time) Row {
	m.mu.Lock()
	st := m.status
	m.mu.Unlock()
	last := m.lastActive()
	return Row{ID: m.id, Name: m.who.Name, Lesson: st.Lesson, Step: st.Step, Steps: st.Steps,
		Passed: len(st.Passed), Check: st.Check, Hand: st.Hand, Idle: now.Sub(last).Truncate(time.Second), Presenter: m.presenter}
}

// hub is every live member session.
type hub struct {
	mu      sync.Mutex
	next    int
	members map[int]*member
	// place is the newest place of a presenter's own lesson view, kept
	// after the view ends: "follow me" is pressed on the dashboard.
	place    link.Msg
	hasPlace bool
}

func newHub() *hub { return &hub{members: map[int]*member{}} }

func (h *hub) add(m *member) {
	h.mu.Lock()
	h.next++
	m.id = h.next
	h.members[m.id] = m
	h.mu.Unlock()
}

func (h *hub) remove(m *member) {
	h.mu.Lock()
	delete(h.members, m.id)
	h.mu.Unlock()
}

func (h *hub) list() []*member {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*member, 0, len(h.members))
	for _, m := range h.members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// Rows returns the dashboard's rows: members in the order they came.
func (h *hub) Rows(now time.Time) []Row {
	var rows []Row
	for _, m := range h.list() {
		if m.presenter {
			continue
		}
		rows = append(rows, m.row(now))
	}
	return rows
}

// presenterPlace is the newest place of a presenter's own lesson view.
func (h *hub) presenterPlace() (link.Msg, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.place, h.hasPlace
}

// setPresenterPlace records where the presenter's own view is.
func (h *hub) setPresenterPlace(st link.Msg) {
	if st.Lesson == "" {
		return
	}
	h.mu.Lock()
	h.place, h.hasPlace = st, true
	h.mu.Unlock()
}

// broadcast sends msg to every member (not to presenters' own views); it
// returns how many got it.
func (h *hub) broadcast(msg link.Msg) int {
	n := 0
	for _, m := range h.list() {
		if m.presenter {
			continue
		}
		if m.send(msg) == nil {
			n++
		}
	}
	return n
}

// sendTo sends msg to the member with id.
func (h *hub) sendTo(id int, msg link.Msg) bool {
	h.mu.Lock()
	m := h.members[id]
	h.mu.Unlock()
	return m != nil && m.send(msg) == nil
}

func (h *hub) stopAll() {
	for _, m := range h.list() {
		m.stop("server stop")
	}
}
