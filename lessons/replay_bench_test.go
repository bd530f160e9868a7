package lessons

import (
	"context"
	"testing"
)

// BenchmarkBackOneStep is the TUI's `p` at the end of each built-in
// lesson: reset, then every earlier step replayed with its traffic and
// captures (DESIGN: back one step <= 100 ms). Run with
// go test ./lessons -run '^$' -bench BackOneStep -benchtime 10x
func BenchmarkBackOneStep(b *testing.B) {
	ls, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	lab := newLab(b)
	for _, l := range ls {
		b.Run(l.ID, func(b *testing.B) {
			r := NewRunner(lab, l, Options{})
			defer r.Close()
			ctx := context.Background()
			for !r.Done() {
				if _, err := r.RunNext(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := r.Goto(ctx, len(l.Steps)-1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
