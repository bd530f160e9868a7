package screen

import (
	"bytes"
)

// LeaveModes undoes the modes FirstFrame sets: what gives the terminal
// back when no program takes the screen over from that frame.
const LeaveModes = leaveModes

// FirstFrame is what a Screen of width x height writes for view when it
// takes a terminal and draws its first frame: the screen's modes, a
// clear, then every line. nettutor serve writes it to a member's terminal
// from its own process while the member's TUI starts, and the TUI's Screen,
// told so by Assume, goes on from it.
func FirstFrame(view string, width, height int) []byte {
	s := &Screen{width: width, height: height}
	var b bytes.Buffer
	s.out = &b
	b.WriteString(enterModes)
	s.draw(view)
	return b.Bytes()
}

// Assume tells s, before Start, that its terminal shows view at width x
// height already, drawn by FirstFrame: Start then sets the modes without
// clearing the screen, and the first frame writes only the lines that
// differ from it (none when the program's first frame is view). A size
// that turns out to differ redraws everything, as any resize does.
func (s *Screen) Assume(view string, width, height int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.width, s.height = width, height
	s.assumed = Lines(view, width, height)
}
