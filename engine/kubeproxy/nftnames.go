package kubeproxy

import (
	"crypto/sha256"
	"encoding/base32"
	"net"
	"strings"
)

// SVLChain is the KUBE-SVL chain of a Service port (the Local traffic
// policy chain: only the node's own endpoints), written when
// externalTrafficPolicy or internalTrafficPolicy is Local. Same hash as
// KUBE-SVC.
func SVLChain(portName, protocol string) string {
	return "KUBE-SVL-" + hash16(portName+strings.ToLower(protocol))
}

// nftBase is kube-proxy's nftables chain-name base: the first 8 characters
// of the base32 SHA-256 of the readable name, a hyphen, then the name
// itself, so a chain reads as what it is ("ULMVA6XW-ns1/svc1/tcp/p80").
// nftables allows 256 characters; no lab name comes near the truncation
// kube-proxy applies past 240.
func nftBase(name string) string {
	sum := sha256.Sum256([]byte(name))
	return base32.StdEncoding.EncodeToString(sum[:])[:8] + "-" + name
}

// NFTServiceChain is the name of kube-proxy's nftables chain for a Service
// port under the Cluster traffic policy: "service-" followed by the base of
// NAMESPACE/NAME/PROTOCOL/PORTNAME.
func NFTServiceChain(namespace, service, protocol, port string) string {
	return "service-" + nftBase(namespace+"/"+service+"/"+strings.ToLower(protocol)+"/"+port)
}

// NFTEndpointChain is the name of kube-proxy's nftables chain for one
// endpoint ("IP:PORT") of a Service port: the service part, "__", then the
// endpoint as IP/PORT (an IPv6 address with its colons made dots).
func NFTEndpointChain(namespace, service, protocol, port, endpoint string) string {
	ip, p, _ := net.SplitHostPort(endpoint)
	ip = strings.ReplaceAll(ip, ":", ".")
	return "endpoint-" + nftBase(namespace+"/"+service+"/"+strings.ToLower(protocol)+"/"+port+"__"+ip+"/"+p)
}
