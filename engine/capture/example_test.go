package capture_test

import (
	"fmt"
	"strings"

	"github.com/nettutor/nettutor/engine/capture"
)

// An ARP request as it crosses a veth pair (broadcast, 42 bytes).
var arpRequest = []byte{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x06,
	0, 1, 0x08, 0, 6, 4, 0, 1,
	0x02, 0, 0, 0, 0, 0x02, 11, 11, 11, 2,
	0, 0, 0, 0, 0, 0, 11, 11, 11, 3,
}

func ExampleSummary() {
	fmt.Println(capture.Summary(arpRequest))
	// Output: ARP, Request who-has 11.11.11.3 tell 11.11.11.2, length 28
}

func ExampleDetail() {
	for _, l := range capture.Detail(arpRequest) {
		fmt.Printf("%s [%d,%d): %s\n", l.Name, l.Offset, l.Offset+l.Length, l.Summary)
	}
	arp := capture.Detail(arpRequest)[1]
	for _, line := range capture.HexDump(arpRequest, arp.Offset, arp.Offset+arp.Length) {
		fmt.Println(strings.TrimRight(line.String(), " "))
	}
	// Output:
	// Ethernet II [0,14): Src: 02:00:00:00:00:02, Dst: ff:ff:ff:ff:ff:ff
	// Address Resolution Protocol [14,42): request
	// 0000  ff ff ff ff ff ff 02 00  00 00 00 02 08 06[00 01]  ................
	// 0010 [08 00 06 04 00 01 02 00  00 00 00 02 0b 0b 0b 02]  ................
	// 0020 [00 00 00 00 00 00 0b 0b  0b 03]                    ..........
}

func ExampleCompileFilter() {
	f, err := capture.CompileFilter("arp and dst host 11.11.11.3")
	if err != nil {
		panic(err)
	}
	prog, _ := f.BPF()
	fmt.Println(f.Match(arpRequest), len(prog) > 0)
	_, err = capture.CompileFilter("tcp port eighty")
	fmt.Println(err)
	// Output:
	// true true
	// filter "tcp port eighty": column 10: "eighty" is not a port number (0-65535)
}

func ExampleRenderLadder() {
	l := capture.Ladder{
		Columns: []string{"RED", "BLUE"},
		Arrows: []capture.Arrow{
			{From: 0, To: 1, Label: "ARP who-has 11.11.11.3"},
			{From: 1, To: 0, Label: "ARP 11.11.11.3 is-at 02:00:00:00:00:03"},
		},
	}
	fmt.Print(capture.RenderLadder(l, 50))
	// Output:
	//            RED                     BLUE
	//             |                        |
	//             |-- ARP who-has 11.11~ ->|
	//             |<- ARP 11.11.11.3 is~ --|
}
