package kubeproxy

import "testing"

// TestNFTChainNames holds the nftables names to the examples kube-proxy's
// own source gives (pkg/proxy/nftables/proxier.go: "ULMVA6XW-ns1/svc1/tcp/p80"
// and "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80") and pins the lab
// Service's, which the service lesson's nft input must carry.
func TestNFTChainNames(t *testing.T) {
	cases := []struct{ got, want string }{
		{NFTServiceChain("ns1", "svc1", "tcp", "p80"), "service-ULMVA6XW-ns1/svc1/tcp/p80"},
		{NFTEndpointChain("ns1", "svc1", "TCP", "p80", "10.180.0.1:80"), "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"},
		{SVLChain(PortName("default", "web", "http"), "tcp"), "KUBE-SVL-CDGGSHYLG3RE2FKL"},
		// The service lesson's names, pinned.
		{NFTServiceChain("default", "web", "tcp", "http"), "service-SUSTUHLJ-default/web/tcp/http"},
		{NFTEndpointChain("default", "web", "tcp", "http", "10.244.0.2:80"), "endpoint-L4LRLQYH-default/web/tcp/http__10.244.0.2/80"},
		{SVCChain(PortName("default", "logs", "syslog"), "udp"), "KUBE-SVC-LU7QYL7JGFBIPI6R"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
