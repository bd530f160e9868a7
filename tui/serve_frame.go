package tui

// Preload gives the picker its lessons before the program starts, so that
// its first frame is the loaded picker rather than "loading…". nettutor
// serve draws that frame from its own process while a member's TUI starts
// (serve.Config.FirstFrame), and the TUI, started after it, must draw the
// same frame first for the hand-over to change nothing on the member's
// screen. Init still loads the list; the same lessons again keep the cursor.
func (m *Model) Preload(ls []LessonInfo) {
	m.picker = m.picker.setLessons(ls)
}
