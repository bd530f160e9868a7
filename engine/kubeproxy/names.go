// Package kubeproxy computes the names kube-proxy's iptables mode gives
// its per-Service and per-endpoint chains, so a lesson can show the rules
// under the very names a real node carries (a learner can then grep a
// kubeadm node's iptables-save for the same chain).
package kubeproxy

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// hash16 is kube-proxy's chain-name suffix: the first 16 characters of the
// standard base32 encoding of the SHA-256 of the text. iptables limits a
// chain name to 28 characters, so "KUBE-SEP-" plus 16 fits.
func hash16(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base32.StdEncoding.EncodeToString(sum[:])[:16]
}

// PortName is a Service port's name as kube-proxy writes it in comments and
// hashes it: "NAMESPACE/NAME:PORTNAME" ("NAMESPACE/NAME" for an unnamed port).
func PortName(namespace, service, port string) string {
	if port == "" {
		return namespace + "/" + service
	}
	return namespace + "/" + service + ":" + port
}

// SVCChain is the KUBE-SVC chain (the Cluster traffic policy chain) of a
// Service port: the hash of the port name followed by the lower-case
// protocol, e.g. ("kube-system/kube-dns:dns", "udp").
func SVCChain(portName, protocol string) string {
	return "KUBE-SVC-" + hash16(portName+strings.ToLower(protocol))
}

// EXTChain is the KUBE-EXT chain that NodePort, external IP and
// load-balancer traffic enters: same hash as the KUBE-SVC chain.
func EXTChain(portName, protocol string) string {
	return "KUBE-EXT-" + hash16(portName+strings.ToLower(protocol))
}

// SEPChain is the KUBE-SEP chain of one endpoint of a Service port; the
// endpoint is "IP:PORT" and is hashed after the port name and protocol.
func SEPChain(portName, protocol, endpoint string) string {
	return "KUBE-SEP-" + hash16(portName+strings.ToLower(protocol)+endpoint)
}
