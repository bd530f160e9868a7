package test

// Issue 20's corrections, held by TestEveryLessonRunsInBothLanguages: what
// each lesson's transcript must say in both languages (commands, versions
// and paths read the same in English and Korean), what it must say in one
// of them, and what no transcript may print any more.

// issue20Both is what every language's transcript of a lesson holds.
var issue20Both = map[string][]string{
	"bridge": {
		// who loads br_netfilter, and when Docker does
		"kubeadm", "k3s", "libvirt", "27.3", "icc=false", "userland-proxy=false",
		// Docker 29's nftables backend
		"DOCKER-USER", "--bridge-accept-fwmark", `"firewall-backend": "nftables"`,
		// Podman and Cilium today
		"netavark", "cilium_host",
		// the capture point's command where it starts
		"$ tcpdump -ni veth-blue 'arp or icmp'",
	},
	"docker-networks": {
		"-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
		"-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP", "--userland-proxy=false",
		// the ladder's NAT labels: the rule's own, conntrack's repeat, the reply's
		"╰ DNAT 203.0.113.1:8080 → 172.17.0.2:80", "as the first packet (DNAT)", "reverse NAT (un-DNAT)",
		"$ ip netns exec WEB tcpdump -ni eth0 'tcp port 80'",
		// a published port's journey does not end "delivered" on the host
		"-> 203.0.113.1 (tcp/8080, ",
	},
	"containers": {
		"/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", "Storage Driver: overlayfs", "userns-remap",
		`pivot_root(".", ".")`, `umount2(".", MNT_DETACH)`, "unable to create native thread", "pids.max",
	},
	"veth": {"2.38", "2.39", "--persistent", "NPROCS 0", "Ubuntu 24.04", "Debian 13",
		"$ ip netns exec BLUE tcpdump -ni veth1"},
	"nat": {"╰ SNAT 11.11.11.2 → 203.0.113.1", "as the first packet (SNAT)", "reverse NAT (un-SNAT) 203.0.113.1 → 11.11.11.2"},
	"userns": {
		"usermod --add-subuids 165536-231071 --add-subgids 165536-231071 root", "newuidmap: uid range", "uidmap",
		"2.38", "2.37.2", "docker top CTR -eo uid,pid,args", "{{.State.Pid}}", "0 1600000000",
		"/proc/keys", "/sys/firmware", "sysbox-runc", "daemon.json",
	},
	"isolation": {"pids.max", "JVM", "1600000000"},
}

// issue20Lang is what only one language's transcript says.
var issue20Lang = map[string]map[string][]string{
	"en": {
		"bridge":     {"study's assignment", "capture: $ "},
		"veth":       {"study's assignment"},
		"userns":     {"study's assignment", "grep alpine is a trap"},
		"containers": {"tasks, not processes"},
		"isolation":  {"tasks, not processes", "lab host"},
	},
	"ko": {
		"bridge":          {"스터디 과제 원문", "캡처: $ ", "랩 호스트"},
		"veth":            {"스터디 과제 원문", "랩 호스트"},
		"userns":          {"스터디 과제 원문"},
		"containers":      {"태스크"},
		"isolation":       {"태스크", "랩 호스트"},
		"docker-networks": {"게시(publish)한 포트", "docker0으로", "네트워크상으로는"},
		"nat":             {"connected 라우트", "그 출발지 포트를 다른 연결이 쓰고 있지 않으면"},
	},
}

// issue20Absent is what no transcript of the lessons may print: the old
// NAT labels, the rule reader's own notation, the tool's internals, "the
// seed" nobody defined, and the Korean patterns the review found.
var issue20Absent = []string{
	"conntrack ↩", "# nft:", "xt match", "rule writer", "규칙 작성기",
	"the seed", "seed's", "시드",
	"실습 환경의 호스트", "으로(로)", "docker0로 ", "퍼블리시", "직접 연결(connected)", "연결 경로",
	"여기서부터 해 봅니다", "네트워크 정체성", "출발지 포트가 비어 있으면",
	"as on every Docker host", "Docker loads `br_netfilter`", "Docker loads br_netfilter",
	// a tutor's line inside a command's output block
	"\n    journey ", "\n    as expected", "\n    경로 ", "\n    예상대로",
}
