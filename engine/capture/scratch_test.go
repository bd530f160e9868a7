package capture

import (
	"os"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func TestScratch(t *testing.T) {
	f, _ := os.Create("/tmp/scratch.pcap")
	w := pcapgo.NewWriter(f)
	w.WriteFileHeader(65536, layers.LinkTypeEthernet)
	for _, fr := range testFrames() {
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(0, 0), CaptureLength: len(fr.data), Length: len(fr.data)}, fr.data)
	}
	f.Close()
}
