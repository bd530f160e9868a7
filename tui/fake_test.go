package tui

import (
	"context"
	"errors"
	"os/exec"
	"sync"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// fakeBackend serves fixed lessons; its sessions replay fixed snapshots.
type fakeBackend struct {
	lessons []LessonInfo
	ko      bool
}

func sixLessons() []LessonInfo {
	return []LessonInfo{
		{ID: "isolation", Title: "Namespaces: a process's own view", Summary: "unshare UTS, PID and mount namespaces and see what changes", Steps: 5},
		{ID: "veth", Title: "RED and BLUE over a veth pair", Summary: "two network namespaces joined by a virtual cable", Steps: 4, Exercises: []ExerciseInfo{{"connect", "Connect RED and BLUE"}}},
		{ID: "bridge", Title: "A bridge for many namespaces", Summary: "plug RED and BLUE into br0 like a switch", Steps: 6, Exercises: []ExerciseInfo{{"connect", "Join a third namespace"}}},
		{ID: "nat", Title: "Routing and NAT to the outside", Summary: "default routes, ip_forward and MASQUERADE", Steps: 6, Exercises: []ExerciseInfo{{"outside", "Reach OUTSIDE"}}},
		{ID: "docker-networks", Title: "Docker's bridge, host and none", Summary: "the three network models, built by hand", Steps: 7, Exercises: []ExerciseInfo{{"publish", "Publish a port"}}},
		{ID: "userns", Title: "User namespaces and userns-remap", Summary: "root inside, nobody outside", Steps: 4, Exercises: []ExerciseInfo{{"remap", "Remap a container's root"}}},
	}
}

func (b *fakeBackend) Lessons(lang string) ([]LessonInfo, error) {
	out := append([]LessonInfo(nil), b.lessons...)
	for i := range out {
		if out[i].ID == "veth" {
			for _, s := range vethSteps(lang) {
				out[i].StepTitles = append(out[i].StepTitles, s.Title)
			}
		}
	}
	return out, nil
}

func (b *fakeBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	if id == "ghost" {
		return nil, errors.New("lab: cannot create namespaces")
	}
	for _, l := range b.lessons {
		if l.ID == id {
			return newFakeSession(l, lang), nil
		}
	}
	return nil, errors.New("no lesson " + id)
}

type fakeSession struct {
	mu    sync.Mutex
	info  LessonInfo
	steps []StepInfo
	snaps []*engine.Snapshot // snapshot after n steps
	res   []StepResult
	pos   int
	ch    chan Packet
	ex    []ExerciseDetail
}

func vethSteps(lang string) []StepInfo {
	if lang == "ko" {
		return []StepInfo{
			{ID: "ns", Title: "네임스페이스 두 개", Text: "**RED**와 **BLUE** 두 네트워크 네임스페이스를 만듭니다. 각자 자기만의 인터페이스, 라우팅 테이블, ARP 테이블을 가집니다.", Commands: []string{"ip netns add RED", "ip netns add BLUE"}},
			{ID: "pair", Title: "veth 쌍 연결", Text: "veth는 가상 랜선입니다. 한쪽 끝 `veth0`은 RED에, 다른 끝 `veth1`은 BLUE에 둡니다.", Commands: []string{"ip link add veth0 netns RED type veth peer name veth1 netns BLUE"}},
			{ID: "addr", Title: "주소와 링크 올리기", Text: "- RED: `11.11.11.2/24`\n- BLUE: `11.11.11.3/24`", Commands: []string{"ip -n RED addr add 11.11.11.2/24 dev veth0"}},
			{ID: "ping", Title: "RED에서 BLUE로 ping", Text: "이제 RED에서 BLUE로 ping을 보냅니다. 먼저 ARP로 상대의 MAC 주소를 알아낸 뒤 ICMP가 오갑니다.",
				Predict: &Predict{Question: "ping 뒤에 RED의 ARP 테이블에는 무엇이 보일까요?", Answer: "BLUE의 주소 11.11.11.3과 veth1의 MAC 주소가 reachable 상태로 보입니다."}},
		}
	}
	return []StepInfo{
		{ID: "ns", Title: "Two namespaces", Text: "Make two network namespaces, **RED** and **BLUE**. Each gets its own interfaces, routes and ARP table.", Commands: []string{"ip netns add RED", "ip netns add BLUE"}},
		{ID: "pair", Title: "A veth pair between them", Text: "A veth pair is a virtual cable: put `veth0` in RED and `veth1` in BLUE.", Commands: []string{"ip link add veth0 netns RED type veth peer name veth1 netns BLUE"}},
		{ID: "addr", Title: "Addresses, links up", Text: "- RED gets `11.11.11.2/24`\n- BLUE gets `11.11.11.3/24`", Commands: []string{"ip -n RED addr add 11.11.11.2/24 dev veth0"}},
		{ID: "ping", Title: "Ping BLUE from RED", Text: "Now ping BLUE from RED. ARP finds BLUE's MAC address first, then ICMP echo goes both ways.",
			Predict: &Predict{Question: "What will RED's ARP table show after the ping?", Answer: "BLUE's 11.11.11.3 with veth1's MAC, reachable."}},
	}
}

func newFakeSession(l LessonInfo, lang string) *fakeSession {
	s := &fakeSession{info: l, ch: make(chan Packet, 64)}
	empty := &engine.Snapshot{Namespaces: []engine.Namespace{{Name: "host", Links: []engine.Link{lo()}}}}
	twoNS := &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{lo()}},
		{Name: "BLUE", Links: []engine.Link{func() engine.Link { l := lo(); l.State, l.Oper = "down", "down"; return l }()}},
		{Name: "RED", Links: []engine.Link{func() engine.Link { l := lo(); l.State, l.Oper = "down", "down"; return l }()}},
	}}
	switch l.ID {
	case "bridge":
		s.steps = []StepInfo{{ID: "br", Title: "A bridge", Text: "Make `br0` and plug both namespaces in."}}
		s.snaps = []*engine.Snapshot{empty, bridgeSnapshot()}
	case "nat":
		s.steps = []StepInfo{{ID: "nat", Title: "MASQUERADE", Text: "Turn on forwarding and masquerade `11.11.11.0/24`."}}
		s.snaps = []*engine.Snapshot{natBefore(), natSnapshot()}
	default:
		s.steps = vethSteps(lang)
		s.snaps = []*engine.Snapshot{empty, twoNS, pairDown(), vethBeforePing(), vethSnapshot()}
	}
	for i, st := range s.steps {
		var r StepResult
		for j, c := range st.Commands {
			r.Actions = append(r.Actions, ActionEvent{Step: i, Index: j, Command: c, OK: true, Duration: time.Duration(300+j*50) * time.Microsecond})
		}
		s.res = append(s.res, r)
	}
	if l.ID == "veth" {
		last := len(s.res) - 1
		s.res[last].Actions = []ActionEvent{{Step: last, Command: "ip netns exec RED ping -c 1 11.11.11.3", OK: true, Duration: 1200 * time.Microsecond,
			Output: "PING 11.11.11.3 56 data bytes\n64 bytes from 11.11.11.3: icmp_seq=1 ttl=64 time=0.061 ms"}}
		s.res[last].Expects = []ExpectResult{{Text: "RED reaches 11.11.11.3", OK: true}, {Text: "RED's ARP table has 11.11.11.3", OK: true}}
		s.res[1].Expects = []ExpectResult{{Text: "veth0 in RED, peer veth1 in BLUE", OK: true}}
	}
	s.ex = []ExerciseDetail{{ID: "connect", Title: "Connect RED and BLUE", Goal: "Build RED and BLUE joined by a veth pair so that RED can ping `11.11.11.3`.",
		Hints: []string{"ip link add ... type veth peer name ...", "Both ends must be up."}, Solution: "ip netns add RED\nip netns add BLUE\n..."}}
	return s
}

func pairDown() *engine.Snapshot {
	s := vethBeforePing()
	for i := range s.Namespaces {
		n := &s.Namespaces[i]
		for j := range n.Links {
			if n.Links[j].Kind == "veth" {
				n.Links[j].State, n.Links[j].Oper, n.Links[j].Addrs = "down", "down", nil
			}
		}
		n.Routes = nil
	}
	return s
}

func (s *fakeSession) Info() LessonInfo            { return s.info }
func (s *fakeSession) Steps() []StepInfo           { return s.steps }
func (s *fakeSession) Exercises() []ExerciseDetail { return s.ex }
func (s *fakeSession) RunStep(ctx context.Context, i int, ev chan<- ActionEvent) StepResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.res[i]
	for _, a := range r.Actions {
		b := a
		b.Running, b.OK, b.Duration = true, false, 0
		ev <- b
		ev <- a
	}
	s.pos = i + 1
	if s.info.ID == "veth" && i == len(s.steps)-1 {
		for _, p := range fakePackets() {
			s.ch <- p
		}
	}
	return r
}
func (s *fakeSession) Goto(ctx context.Context, n int) error {
	s.mu.Lock()
	s.pos = n
	s.mu.Unlock()
	return nil
}
func (s *fakeSession) Snapshot(ctx context.Context) (*engine.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snaps[min(s.pos, len(s.snaps)-1)], nil
}
func (s *fakeSession) Shell(ns string) *exec.Cmd { return exec.Command("true") }
func (s *fakeSession) StartExercise(ctx context.Context, id string) (string, error) {
	s.mu.Lock()
	s.pos = 0
	s.mu.Unlock()
	return "", nil
}
func (s *fakeSession) Check(ctx context.Context, id string) ([]CheckResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pos == 0 {
		return []CheckResult{{ID: "pair", OK: false, Detail: "no veth in RED has its peer in BLUE", Hint: "create the pair with ip link add"}}, nil
	}
	return []CheckResult{{ID: "pair", OK: true}, {ID: "ping", OK: true}}, nil
}
func (s *fakeSession) Packets() <-chan Packet             { return s.ch }
func (s *fakeSession) Drops() uint64                      { return 0 }
func (s *fakeSession) Detail(p Packet) []Layer            { return CaptureLayers(p.Data) }
func (s *fakeSession) WritePcap(path string) (int, error) { return 0, nil }
func (s *fakeSession) Close() error                       { return nil }
