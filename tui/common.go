// Package tui is nettutor's terminal interface: a lesson picker, the lesson
// view (step, topology and packets panes), exercise mode and a help overlay.
//
// The root Model switches between concrete child models by a state enum;
// every child shares one Common value (size, styles, keys, language). The
// TUI never touches the kernel: lesson runners and the lab are reached only
// through the Backend and Session interfaces, and only inside tea.Cmds.
package tui

import (
	"errors"
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/nettutor/nettutor/assets"
)

// Common is what every screen shares.
type Common struct {
	Width, Height int
	Styles        *Styles
	Keys          KeyMap
	Lang          string
	// Present is presenter mode (present.go): the high-contrast styles
	// and the lesson view's compact layout without empty panes.
	Present bool
	// Light is set when the terminal answered that its background is
	// light (tea.BackgroundColorMsg); until it answers, the styles are the
	// dark ones, so the first frame never waits for the answer.
	Light bool
	// Terminal is the screen a lab shell borrows, when the program draws
	// through one (tui/screen); nil with Bubble Tea's own renderer, which
	// gives the terminal back by itself.
	Terminal Terminal
}

// Terminal is a screen that a command run in place of the TUI borrows:
// Release gives the terminal back in its normal mode, Restore takes it
// again and repaints.
type Terminal interface {
	Release() error
	Restore() error
}

// NewCommon returns a Common for lang with the default styles and keys.
func NewCommon(lang string) *Common {
	if !assets.ValidLang(lang) {
		lang = "en"
	}
	return &Common{Styles: DefaultStyles(), Keys: KeyMapFor(lang), Lang: lang, Width: 80, Height: 24}
}

// T returns the UI string key in the current language.
func (c *Common) T(key string) string { return assets.T(c.Lang, key) }

// Tf is T with fmt arguments.
func (c *Common) Tf(key string, a ...any) string { return assets.Tf(c.Lang, key, a...) }

// localizedError is an error that has its line in every language
// (lessons.NeedError): the TUI shows it in the learner's.
type localizedError interface {
	error
	Text(lang string) string
}

// ErrText is err's line in the learner's language when err (or an error
// it wraps) has one, else err's own text.
func (c *Common) ErrText(err error) string {
	var le localizedError
	if errors.As(err, &le) {
		return le.Text(c.Lang)
	}
	return err.Error()
}

// Styles is every style the TUI draws with. Colours only ever reinforce a
// symbol (✓ ✗ ● ○ ◆ ▶), so the screen reads the same in monochrome.
type Styles struct {
	App         lipgloss.Style
	Title       lipgloss.Style
	Subtle      lipgloss.Style
	Bold        lipgloss.Style
	Code        lipgloss.Style
	Command     lipgloss.Style
	OK          lipgloss.Style
	Fail        lipgloss.Style
	Warn        lipgloss.Style
	Changed     lipgloss.Style
	Selected    lipgloss.Style
	Pane        lipgloss.Style
	PaneFocused lipgloss.Style
	PaneTitle   lipgloss.Style
	Header      lipgloss.Style
	Footer      lipgloss.Style
	Overlay     lipgloss.Style
	Fatal       lipgloss.Style
	Up          lipgloss.Style
	Down        lipgloss.Style
	NSBox       color.Color
	Accent      lipgloss.Style
	// Help is the short help line's (bubbles/help), for the same
	// background as the rest.
	Help help.Styles
}

// shortHelp is the one-line key help at width w, in the current styles.
func (c *Common) shortHelp(bs []key.Binding, w int) string {
	h := help.New()
	h.Styles = c.Styles.Help
	h.SetWidth(w)
	return h.ShortHelpView(bs)
}

// DefaultStyles returns the styles for a dark background: what the first
// frame is drawn with, before the terminal says what its background is.
func DefaultStyles() *Styles { return NewStyles(true) }

// NewStyles returns the styles for a dark or a light background. Render
// writes full colour; Bubble Tea downsamples it to the terminal's colour
// profile when it writes the frame, so NO_COLOR or a monochrome terminal
// drops every colour.
func NewStyles(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	green := c("#1a7f37", "#3fb950")
	red := c("#cf222e", "#ff7b72")
	yellow := c("#9a6700", "#e3b341")
	blue := c("#0969da", "#79c0ff")
	subtle := c("#6e7781", "#8b949e")
	accent := c("#8250df", "#d2a8ff")
	s := &Styles{}
	s.App = lipgloss.NewStyle()
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Subtle = lipgloss.NewStyle().Foreground(subtle)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Code = lipgloss.NewStyle().Foreground(blue)
	s.Command = lipgloss.NewStyle().Bold(true).Foreground(blue)
	s.OK = lipgloss.NewStyle().Foreground(green)
	s.Fail = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Warn = lipgloss.NewStyle().Foreground(yellow)
	s.Changed = lipgloss.NewStyle().Foreground(yellow).Bold(true)
	s.Selected = lipgloss.NewStyle().Reverse(true)
	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(subtle)
	s.PaneFocused = lipgloss.NewStyle().Border(lipgloss.ThickBorder()).BorderForeground(accent)
	s.PaneTitle = lipgloss.NewStyle().Bold(true)
	s.Header = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Footer = lipgloss.NewStyle().Foreground(subtle)
	s.Overlay = lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(accent).Padding(0, 1)
	s.Fatal = lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(red).Padding(1, 2)
	s.Up = lipgloss.NewStyle().Foreground(green)
	s.Down = lipgloss.NewStyle().Foreground(red)
	s.Accent = lipgloss.NewStyle().Foreground(accent)
	s.Help = help.DefaultStyles(dark)
	return s
}
