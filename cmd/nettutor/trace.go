package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/engine/sandbox"
)

func init() {
	register("trace", "one probe's journey hop by hop in your own namespaces (--tcp P | --udp P, --json)", cmdTrace)
}

// traceUsage is the usage text of trace, in each language (kept here
// with the command it describes).
var traceUsage = map[string]string{
	"en": `usage: nettutor trace FROM DST [--tcp PORT | --udp PORT | --size BYTES] [--sport PORT] [--json]

Sends one probe (an ICMP echo, or a TCP SYN / UDP datagram to PORT) from FROM
("host" or a name under /run/netns) to DST, in the namespaces you can see, and
shows its journey hop by hop: where it was captured, the route, fdb and rules
that moved it on, the NAT on the way, and where and why it stopped. A tunnel
whose far end is a visible namespace is followed through: its hops carry the
outer packet (VXLAN's VNI, VTEPs and UDP port). --size sends an echo with that
many bytes of data and DF set, as ping -M do -s does. --sport sends the TCP SYN
or UDP datagram from that source port: the journey of a flow conntrack already
holds (a UDP client with a fixed port), which keeps the NAT of its first packet.
A DST that no namespace holds (a Service's ClusterIP) is traced when the nat
rules on its way DNAT it only to visible namespaces: the journey names the
chains crossed, the rule that chose the endpoint, the DNAT and masquerade. A
UDP flow whose conntrack entry still sends to an endpoint the Service's rules no
longer give is named as the stop, with its entry.
A DST outside your visible namespaces is refused: nothing leaves the machine.
Exit 0 when a reply came back, 1 when none did, 2 for bad input.`,
	"ko": `사용법: nettutor trace FROM DST [--tcp PORT | --udp PORT | --size BYTES] [--sport PORT] [--json]

FROM(host 또는 /run/netns 아래 이름)에서 DST로 프로브 하나(ICMP echo, 또는 PORT로 가는
TCP SYN / UDP 데이터그램)를 보내고, 그 패킷이 지나간 길을 hop 단위로 보여 줍니다.
어디서 캡처됐는지, 어떤 라우트·fdb·규칙 때문에 다음으로 갔는지, 중간의 NAT, 그리고 어디서 왜 멈췄는지.
반대편 끝이 보이는 네임스페이스인 터널은 끝까지 따라가며, 그 hop에는 바깥 패킷(VXLAN의 VNI, VTEP, UDP 포트)이
붙습니다. --size는 ping -M do -s처럼 데이터 BYTES바이트에 DF를 설정한 echo를 보냅니다.
--sport는 TCP SYN이나 UDP 데이터그램을 그 출발지 포트에서 보냅니다. conntrack에 이미 있는 흐름(포트가
고정된 UDP 클라이언트)을 따라가며, 그 흐름은 첫 패킷이 받은 NAT를 그대로 씁니다.
어느 네임스페이스에도 없는 DST(Service의 ClusterIP)는 지나는 길의 nat 규칙이 보이는 네임스페이스로만
DNAT할 때 추적하며, 거친 체인, 엔드포인트를 고른 규칙, DNAT와 masquerade를 보여 줍니다.
UDP 흐름의 conntrack 항목이 Service 규칙에 더 이상 없는 엔드포인트로 보내고 있으면 그 항목을 멈춘 곳으로 보여 줍니다.
보이는 네임스페이스 밖의 DST는 거부합니다. 패킷은 머신 밖으로 나가지 않습니다.
종료 코드: 응답이 오면 0, 안 오면 1, 잘못된 입력은 2.`,
}

// cmdTrace traces one probe in the caller's own namespaces, as inspect
// reads them: a learner who built RED/BLUE by hand asks why a ping fails.
func cmdTrace(args []string) int {
	begun := time.Now()
	fs := newFlagSet("trace")
	tcp := fs.Int("tcp", 0, "send a TCP SYN to this `PORT` instead of an ICMP echo")
	udp := fs.Int("udp", 0, "send a UDP datagram to this `PORT` instead of an ICMP echo")
	size := fs.Int("size", 0, "send an ICMP echo with `BYTES` of data and DF set (ping -M do -s)")
	sport := fs.Int("sport", 0, "send the TCP SYN or UDP datagram from this source `PORT` (a flow conntrack already holds)")
	asJSON := fs.Bool("json", false, "print the journey as JSON")
	timeout := fs.Duration("timeout", 300*time.Millisecond, "wait this long for the reply")
	lang := langFlag(fs)
	pos, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("trace", traceUsage[helpLang(*lang)])
	}
	if err != nil {
		return badInput("trace", err.Error())
	}
	if err := checkLang(*lang); err != nil {
		return badInput("trace", err.Error())
	}
	if len(pos) != 2 {
		return badInput("trace", fmt.Sprintf("want FROM and DST, got %d argument(s) (nettutor trace RED 11.11.11.3)", len(pos)))
	}
	p := journey.Probe{From: pos[0], Dst: pos[1], Proto: "icmp"}
	switch {
	case *tcp != 0 && *udp != 0:
		return badInput("trace", "--tcp and --udp exclude each other")
	case *size != 0 && (*tcp != 0 || *udp != 0):
		return badInput("trace", "--size goes with an ICMP echo, not with --tcp or --udp")
	case *size < 0 || *size > 65507:
		return badInput("trace", fmt.Sprintf("--size %d: want 1-65507 bytes of echo data", *size))
	case *size != 0:
		p.Size = *size
	case *tcp != 0:
		p.Proto, p.Port = "tcp", *tcp
	case *udp != 0:
		p.Proto, p.Port = "udp", *udp
	}
	switch {
	case *sport != 0 && p.Proto == "icmp":
		return badInput("trace", "--sport goes with --tcp or --udp")
	case *sport < 0 || *sport > 65535:
		return badInput("trace", fmt.Sprintf("--sport %d: want a port, 1-65535", *sport))
	}
	p.Sport = *sport
	if *timeout <= 0 || *timeout > 10*time.Second {
		return badInput("trace", fmt.Sprintf("--timeout %v: want more than 0 and at most 10s", *timeout))
	}
	lg := helpLang(*lang) // --lang, else LANG: the why and the stop in that language
	var ph *journey.Phases
	if os.Getenv("NETTUTOR_TRACE_PHASES") == "1" {
		// Where the time goes, on stderr (the benchmarks read it).
		ph = &journey.Phases{Begun: begun}
		defer ph.Write(os.Stderr)
	}
	j, err := journey.Trace(context.Background(), sandbox.NetnsDir, p, journey.Options{Timeout: *timeout, Lang: lg, Phases: ph})
	if err != nil {
		if journey.IsBadInput(err) {
			return badInput("trace", err.Error())
		}
		fmt.Fprintf(os.Stderr, "nettutor trace: %v\n", err)
		return 1
	}
	if *asJSON {
		os.Stdout.Write(j.JSON())
	} else {
		printJourney(os.Stdout, j, lg)
	}
	ph.Mark("print")
	if j.Result == journey.Replied {
		return 0
	}
	return 1
}

// printJourney is the text form, in lang: one line per hop, then the NAT,
// the rules and the stop.
func printJourney(w io.Writer, j *journey.Journey, lang string) {
	T := func(k string, a ...any) string { return assets.Tf(lang, "journey."+k, a...) }
	what := j.Proto
	if j.Port != 0 {
		what = fmt.Sprintf("%s/%d", j.Proto, j.Port)
	}
	fmt.Fprintln(w, T("cli.head", j.From, j.To, what, T("result."+j.Result)))
	hops := func(hs []journey.Hop) {
		for _, h := range hs {
			addr := ""
			if h.Src != "" {
				addr = fmt.Sprintf(" %s -> %s", h.Src, h.Dst)
			}
			if e := h.EncapText(lang); e != "" {
				addr += "  " + e
			}
			fmt.Fprintf(w, "  %-8s %-10s %-3s%s\n", h.NS, h.Dev, h.Dir, addr)
			if h.Why != "" {
				fmt.Fprintf(w, "           %s\n", h.Why)
			}
		}
	}
	hops(j.Hops)
	for _, n := range j.NAT {
		fmt.Fprintln(w, T("cli.nat", n.NS, n.Kind, n.From, n.To))
	}
	if s := j.Service; s != nil {
		fmt.Fprintln(w, T("cli.service", s.NS, s.Service, s.Endpoint, strings.Join(s.Chains, " → ")))
		if s.ChosenBy != "" {
			fmt.Fprintln(w, T("cli.chosen", s.ChosenBy))
		}
	}
	for _, r := range j.Rules {
		fmt.Fprintln(w, T("cli.rule", r.NS, r.Table, r.Chain, r.Rule, r.Verdict))
	}
	if j.Reply != nil && len(j.Reply.Hops) > 0 {
		fmt.Fprintln(w, T("cli.reply", strings.TrimSpace(T("leg."+j.Reply.Result)+" "+j.Reply.Kind)))
		hops(j.Reply.Hops)
	}
	if j.Drop != nil {
		fmt.Fprintln(w, T("cli.stopped", journey.ReasonText(lang, j.Drop.Reason), j.Drop.NS, j.Drop.Where, j.Drop.Detail))
	}
}
