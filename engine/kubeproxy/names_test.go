package kubeproxy

import "testing"

// TestChainNames checks the names against one every kubeadm cluster shows
// (kube-dns's UDP port) and pins the lab Service's names, which the service
// lesson's iptables-restore input must carry.
func TestChainNames(t *testing.T) {
	web := PortName("default", "web", "http")
	cases := []struct{ got, want string }{
		{SVCChain(PortName("kube-system", "kube-dns", "dns"), "udp"), "KUBE-SVC-TCOU7JCQXEZGVUNU"},
		{SVCChain(PortName("kube-system", "kube-dns", "dns-tcp"), "TCP"), "KUBE-SVC-ERIFXISQEP7F7OF4"},
		{SVCChain(PortName("default", "kubernetes", "https"), "tcp"), "KUBE-SVC-NPX46M4PTMTKRN6Y"},
		{SVCChain(web, "tcp"), "KUBE-SVC-CDGGSHYLG3RE2FKL"},
		{EXTChain(web, "tcp"), "KUBE-EXT-CDGGSHYLG3RE2FKL"},
		{SEPChain(web, "tcp", "10.244.0.2:80"), "KUBE-SEP-ZA46Z6MXOL6YIMBQ"},
		{SEPChain(web, "tcp", "10.244.1.2:80"), "KUBE-SEP-PBQ62IOVWGYEN623"},
		{PortName("default", "web", ""), "default/web"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
