package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/nettutor/nettutor/engine/iptables"
)

// BaselineActions returns the topology of shared/bench/ip-baseline.sh as
// engine actions, in the script's order: RED and BLUE behind bridge br0 on
// 10.0.0.0/24, OUTSIDE on 203.0.113.0/24 via uplink, forwarding and NAT.
// Benchmarks and the host-untouched tests build it.
func BaselineActions() []Action {
	var as []Action
	for _, ns := range []string{"RED", "BLUE", "OUTSIDE"} {
		as = append(as, NetnsAdd{Name: ns}, LinkUp{NS: ns, Name: "lo"})
	}
	as = append(as,
		BridgeAdd{Name: "br0"},
		LinkUp{Name: "br0"},
		AddrAdd{Dev: "br0", Addr: "10.0.0.1/24"},
	)
	for i, ns := range []string{"RED", "BLUE"} {
		host := "veth-" + ns
		as = append(as,
			VethAdd{Name: host, Peer: "eth0", PeerNS: ns},
			LinkSetMaster{Name: host, Master: "br0"},
			LinkUp{Name: host},
			LinkUp{NS: ns, Name: "eth0"},
			AddrAdd{NS: ns, Dev: "eth0", Addr: fmt.Sprintf("10.0.0.%d/24", i+2)},
			RouteAdd{NS: ns, Dst: "default", Via: "10.0.0.1"},
		)
	}
	as = append(as,
		VethAdd{Name: "uplink", Peer: "eth0", PeerNS: "OUTSIDE"},
		LinkUp{Name: "uplink"},
		AddrAdd{Dev: "uplink", Addr: "203.0.113.1/24"},
		LinkUp{NS: "OUTSIDE", Name: "eth0"},
		AddrAdd{NS: "OUTSIDE", Dev: "eth0", Addr: "203.0.113.2/24"},
		Sysctl{Key: "net.ipv4.ip_forward", Value: "1"},
		mustRule("-t nat -A POSTROUTING -s 10.0.0.0/24 ! -o br0 -j MASQUERADE"),
		mustRule("-t filter -A FORWARD -i br0 -j ACCEPT"),
		mustRule("-t filter -A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
	)
	return as
}

func mustRule(spec string) Iptables {
	r, err := iptables.Parse(strings.Fields(spec))
	if err != nil {
		panic(fmt.Sprintf("baseline rule %q: %v", spec, err))
	}
	return Iptables{Rule: r}
}

// ApplyAll applies actions in order and stops at the first error, naming
// the command that failed.
func (l *Lab) ApplyAll(ctx context.Context, as []Action) error {
	for _, a := range as {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("cancelled before %s: %w", a.Command(), err)
		}
		if _, err := a.Apply(ctx, l); err != nil {
			return fmt.Errorf("%s: %w", a.Command(), err)
		}
	}
	return nil
}
