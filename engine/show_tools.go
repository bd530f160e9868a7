package engine

// The shows whose text is printed by the tool itself, run in the
// namespace: `nft list table ip kube-proxy` (nft's listing of a table
// loaded with `nft -f`: sets, verdict maps, numgen, comments) and
// `conntrack -L` (the connection tracking table). Rendering them from
// netlink would be a second copy of nft's and conntrack-tools' printers,
// which change between versions; the lessons that show them (service)
// load the rules with those very tools, so the tools are there. As for
// `ip -d link` of a bridge, the show fails with a line naming the tool
// where it is not installed, rather than print something else.

import (
	"fmt"
	"net"
	"strings"
)

// ToolShowKinds are the Show.What values printed by running the tool in
// the namespace: nft-kube-proxy (nft list table ip kube-proxy) and
// conntrack (conntrack -L, with Dst: conntrack -L -d DST).
var ToolShowKinds = []string{"nft-kube-proxy", "conntrack"}

// DstShowKinds are the ShowKinds that take a Dst (an IPv4 address).
var DstShowKinds = []string{"conntrack"}

// toolShowArgv is the command line of a tool show, nil for the others.
func (a Show) toolShowArgv() []string {
	switch a.What {
	case "nft-kube-proxy":
		return []string{"nft", "list", "table", "ip", "kube-proxy"}
	case "conntrack":
		if a.Dst != "" {
			return []string{"conntrack", "-L", "-d", a.Dst}
		}
		return []string{"conntrack", "-L"}
	}
	return nil
}

// showTool runs a tool show in the namespace and returns what a terminal
// shows: its standard output, then its standard error (conntrack writes
// the count of entries there, after the entries). A tool that fails or is
// missing is an error carrying its own words.
func (l *Lab) showTool(a Show) (string, error) {
	argv := a.toolShowArgv()
	if a.Dst != "" && net.ParseIP(a.Dst).To4() == nil {
		return "", fmt.Errorf("show %s: dst %q is not an IPv4 address", a.What, a.Dst)
	}
	path, ok := lookTool(argv[0])
	if !ok {
		return "", fmt.Errorf("%s: %s is printed by %s itself, and it is not installed here", nsOr(a.NS), strings.Join(argv, " "), argv[0])
	}
	cmd := l.Cmd(nsOr(a.NS), append([]string{path}, argv[1:]...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %s: %w: %s", nsOr(a.NS), strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String() + stderr.String(), nil
}
