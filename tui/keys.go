package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/assets"
)

// KeyMap is every key binding of the TUI. Screens pick the bindings they
// use; the help overlay lists exactly those.
type KeyMap struct {
	// picker
	Up, Down, Home, End, Filter, Open, Quit key.Binding
	// Digits open lesson 1-9 by its number; Reset and ResetAll forget
	// progress (after a y), Yes confirms.
	Digits, Reset, ResetAll, Yes key.Binding
	// lesson
	Next, Prev, Tab, Shell, Check, Hint, Solution, Exercise, Write, Back key.Binding
	Select, Ladder, ScrollUp, ScrollDown, Note                           key.Binding
	Zoom                                                                 key.Binding // the focused pane full screen
	// Journey opens the selected packet's journey, hop by hop.
	Journey key.Binding
	// Present toggles presenter mode: high contrast, no empty panes.
	Present key.Binding
	// Restart rebuilds the lesson from its first step; Jump, then a step
	// number and enter, rebuilds it at that step (as resume does).
	Restart, Jump key.Binding
	// ExBack leaves exercise mode for the lesson (the same keys as Back).
	ExBack key.Binding
	// Hand and Follow are a study group's (nettutor serve): raise a hand,
	// jump to the presenter's step.
	Hand, Follow key.Binding
	// everywhere
	Help, ForceQuit key.Binding
	// Cancel (esc) closes what is open (a filter, a detail, a question);
	// BackTab (shift+tab) moves focus back; Erase (backspace) deletes the
	// last character typed. They are in no help list: the keys above
	// that share them are.
	Cancel, BackTab, Erase key.Binding
}

// DefaultKeyMap returns the key bindings with English help text.
func DefaultKeyMap() KeyMap { return KeyMapFor("en") }

// KeyMapFor returns the key bindings with help text in lang.
func KeyMapFor(lang string) KeyMap {
	t := func(k string) string { return assets.T(lang, "tui.key."+k) }
	b := func(name, helpKey string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, t(name)))
	}
	return KeyMap{
		Up:         b("up", "↑/k", "up", "k"),
		Down:       b("down", "↓/j", "down", "j"),
		Home:       b("home", "home", "home", "g"),
		End:        b("end", "end", "end", "G"),
		Filter:     b("filter", "/", "/"),
		Open:       b("open", "enter", "enter"),
		Quit:       b("quit", "q", "q"),
		Next:       b("next", "n/→/space", "n", "right", "space"),
		Prev:       b("prev", "p/←", "p", "left"),
		Tab:        b("tab", "tab", "tab"),
		Shell:      b("shell", "s", "s"),
		Check:      b("check", "c", "c"),
		Hint:       b("hint", "h", "h"),
		Solution:   b("solution", "a", "a"),
		Exercise:   b("exercise", "e", "e"),
		Write:      b("write", "w", "w"),
		Back:       b("back", "esc/q", "esc", "q"),
		Select:     b("select", "enter", "enter"),
		Ladder:     b("ladder", "l", "l"),
		ScrollUp:   b("scrollup", "pgup", "pgup"),
		ScrollDown: b("scrolldown", "pgdn", "pgdown"),
		Note:       b("note", "m", "m"),
		Zoom:       b("zoom", "z", "z"),
		Journey:    b("journey", "y", "y"),
		Present:    b("present", "P", "P"),
		Help:       b("help", "?", "?"),
		Digits:     b("digits", "1-9", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Reset:      b("reset", "r", "r"),
		ResetAll:   b("resetall", "R", "R"),
		Yes:        b("yes", "y", "y"),
		Restart:    b("restart", "R", "R"),
		Jump:       b("jump", ":", ":"),
		ExBack:     b("exback", "esc/q", "esc", "q"),
		ForceQuit:  b("forcequit", "ctrl+c", "ctrl+c"),
		Hand:       b("hand", "H", "H"),
		Follow:     b("follow", "F", "F"),
		Cancel:     key.NewBinding(key.WithKeys("esc")),
		BackTab:    key.NewBinding(key.WithKeys("shift+tab")),
		Erase:      key.NewBinding(key.WithKeys("backspace")),
	}
}

// bindings is a help.KeyMap for one screen.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding  { return b.short }
func (b bindings) FullHelp() [][]key.Binding { return b.full }

// PickerHelp lists the picker's keys.
func (k KeyMap) PickerHelp() bindings {
	return bindings{
		short: []key.Binding{k.Up, k.Down, k.Filter, k.Open, k.Help, k.Quit},
		full: [][]key.Binding{
			{k.Up, k.Down, k.Home, k.End},
			{k.Filter, k.Open, k.Digits},
			{k.Reset, k.ResetAll},
			{k.Help, k.Quit, k.ForceQuit},
		},
	}
}

// LessonHelp lists the lesson view's keys.
func (k KeyMap) LessonHelp() bindings {
	return bindings{
		short: []key.Binding{k.Next, k.Prev, k.Tab, k.Shell, k.Exercise, k.Help, k.Back},
		full: [][]key.Binding{
			// Six groups of about equal height: the two columns of the
			// overlay then fit 80x24.
			{k.Next, k.Prev, k.Restart, k.Jump},
			{k.Shell, k.Exercise, k.Check, k.Hint, k.Solution},
			{k.Tab, k.Up, k.Down},
			{k.Home, k.End, k.ScrollUp, k.ScrollDown},
			{k.Select, k.Ladder, k.Journey, k.Write, k.Note},
			{k.Help, k.Zoom, k.Present, k.Back, k.ForceQuit},
		},
	}
}

// ExerciseHelp lists exercise mode's keys.
func (k KeyMap) ExerciseHelp() bindings {
	return bindings{
		short: []key.Binding{k.Shell, k.Check, k.Hint, k.Solution, k.Exercise, k.Help, k.ExBack},
		full: [][]key.Binding{
			{k.Shell, k.Check, k.Hint, k.Solution},
			{k.Exercise, k.Tab, k.Up, k.Down, k.ScrollUp, k.ScrollDown},
			{k.Select, k.Ladder, k.Journey, k.Write, k.Zoom},
			{k.Help, k.Present, k.ExBack, k.ForceQuit},
		},
	}
}

// isText reports whether a key press is text for an input: it has text
// and no modifier but shift (caps and num lock, which the kitty protocol
// reports, do not count), so ctrl+a or alt+x are never typed.
func isText(km tea.KeyPressMsg) bool {
	return km.Text != "" && km.Mod&^(tea.ModShift|tea.ModCapsLock|tea.ModNumLock) == 0
}
