package confine

import "testing"

// BenchmarkKeeperRoundTrip is one request to the keeper and its answer:
// the floor under every namespace the engine makes, pins or removes.
func BenchmarkKeeperRoundTrip(b *testing.B) {
	k, err := Start(DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	for b.Loop() {
		if err := k.Unpin(LabNetnsDir + "/none"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeeperNewPinned makes and pins a namespace, then removes it.
func BenchmarkKeeperNewPinned(b *testing.B) {
	k, err := Start(DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	for b.Loop() {
		ns, err := k.NewPinned(LabNetnsDir + "/X")
		if err != nil {
			b.Fatal(err)
		}
		ns.Close()
		if err := k.Unpin(LabNetnsDir + "/X"); err != nil {
			b.Fatal(err)
		}
	}
}
