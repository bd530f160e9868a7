package main

import (
	"strconv"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/capture"
)

// budgetHelp is the capture budget as the help of the TUI and of serve
// states it, from the budget's own numbers.
func budgetHelp(lang string) string {
	b := capture.NewBudget()
	return assets.M(lang, "budget.help", "points", strconv.Itoa(b.MaxPoints),
		"point", capture.FormatBytes(int64(b.PointRing)), "shell", capture.FormatBytes(int64(b.ShellRing)),
		"rings", capture.FormatBytes(int64(b.MaxRingBytes)), "bytes", capture.FormatBytes(b.MaxStoredBytes),
		"packets", strconv.Itoa(b.MaxStoredPackets))
}
