package lessons

import (
	"fmt"
	"strings"
)

// describeLang is describe in lang (en or ko).
func describeLang(a *Assertion, lang string) string {
	if lang != "ko" {
		return describe(a)
	}
	g := a.Args
	ns := nsOr(g.NS)
	switch a.Kind {
	case "link":
		if g.Absent {
			return fmt.Sprintf("%s: 링크 %s 없음", ns, g.Name)
		}
		var parts []string
		if g.Kind != "" {
			parts = append(parts, g.Kind)
		}
		if g.State != "" {
			parts = append(parts, g.State)
		}
		if g.Addr != "" {
			parts = append(parts, "주소 "+g.Addr)
		}
		if g.Master != "" {
			parts = append(parts, g.Master+"에 연결")
		}
		if g.Peer != "" {
			parts = append(parts, "peer "+g.Peer)
		}
		if len(parts) == 0 {
			return fmt.Sprintf("%s: 링크 %s 있음", ns, g.Name)
		}
		return fmt.Sprintf("%s: %s는 %s", ns, g.Name, strings.Join(parts, ", "))
	case "addr":
		if g.Up != nil && *g.Up {
			return fmt.Sprintf("%s의 켜진(up) 링크에 %s 있음", ns, g.Addr)
		}
		return fmt.Sprintf("%s에 주소 %s 있음", ns, g.Addr)
	case "route":
		s := fmt.Sprintf("%s: 경로 %s", ns, g.Dst)
		if g.Via != "" {
			s += " via " + g.Via
		}
		if g.Dev != "" {
			s += " dev " + g.Dev
		}
		if g.Absent {
			return s + " 없음"
		}
		return s + " 있음"
	case "neighbor":
		if g.Absent {
			return fmt.Sprintf("%s의 이웃 테이블에 %s 없음", ns, g.IP)
		}
		return fmt.Sprintf("%s가 %s의 MAC을 앎 (이웃 테이블)", ns, g.IP)
	case "fdb":
		return fmt.Sprintf("%s: 브리지 %s가 %s의 MAC을 학습함", ns, g.Bridge, g.MacOf)
	case "sysctl":
		return fmt.Sprintf("%s: %s = %s", ns, g.Key, g.Value)
	case "rule":
		return fmt.Sprintf("%s: iptables 규칙 %s 있음", ns, g.Spec)
	case "reachable":
		return fmt.Sprintf("%s에서 %s로 ping 성공", g.From, g.To)
	case "unreachable":
		return fmt.Sprintf("%s에서 %s로 ping 실패", g.From, g.To)
	case "tcp":
		if g.Banner != "" {
			return fmt.Sprintf("%s에서 %s로 TCP 연결, %q 수신", g.From, g.Addr, g.Banner)
		}
		return fmt.Sprintf("%s에서 %s로 TCP 연결", g.From, g.Addr)
	case "packet":
		s := fmt.Sprintf("캡처 %s에", g.Capture)
		if g.Match != "" {
			s += fmt.Sprintf(" %q에 맞는", g.Match)
		}
		if g.Src != "" {
			s += " " + g.Src + "에서"
		}
		if g.Dst != "" {
			s += " " + g.Dst + "로 가는"
		}
		return s + fmt.Sprintf(" 패킷 %d개 이상", max(g.Min, 1))
	case "veth_pair":
		return fmt.Sprintf("veth 쌍이 %s와 %s를 이음", g.A, g.B)
	case "bridge_port":
		return fmt.Sprintf("%s가 브리지 %s에 연결됨", g.NS, g.Bridge)
	case "no_direct_veth":
		return fmt.Sprintf("%s에서 %s로 곧장 가는 veth 없음", g.A, g.B)
	case "snat":
		return fmt.Sprintf("%s에서 %s로 보낸 ping이 %s에 출발지 %s로 도착", g.From, g.To, g.CaptureNS, g.Src)
	case "file_owner":
		s := g.Path + " 있음"
		if g.UIDMin != nil {
			s += fmt.Sprintf(", 소유자 uid >= %d", *g.UIDMin)
		}
		if g.UIDNot != nil {
			s += fmt.Sprintf(", 소유자 uid가 %d 아님", *g.UIDNot)
		}
		if g.UIDMap {
			s += ", 내용은 작성한 프로세스의 uid_map이고, 그 uid 0이 root가 아닌 파일 소유자로 매핑됨"
		}
		return s
	case "output":
		return fmt.Sprintf("출력에 %q 포함", g.Contains)
	}
	return describe(a)
}
