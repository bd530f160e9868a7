package main

import (
	"errors"
	"flag"

	"github.com/nettutor/nettutor/assets"
)

// langFlag adds --lang to a command's flags, defaulting to the language
// of LANG / LC_ALL.
func langFlag(fs *flag.FlagSet) *string {
	return fs.String("lang", assets.LangFromEnv(), "language: en or ko")
}

// checkLang turns an unsupported --lang into one clear error line.
func checkLang(lang string) error {
	if !assets.ValidLang(lang) {
		return errors.New(assets.Tf("en", "cli.bad_lang", lang))
	}
	return nil
}

// parseAnywhere parses flags that may come before, between or after the
// positional arguments (`nettutor run veth --plain --lang ko`) and returns
// the positional ones. "--" ends the flags.
func parseAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first non-flag, or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseCommand is the start every plain command shares: flags anywhere,
// -h/--help printing usageKey's text in the chosen language, and a bad
// flag or --lang as one line of bad input. done is true when the command
// must return code at once.
func parseCommand(name, usageKey string, fs *flag.FlagSet, lang *string, args []string) (pos []string, code int, done bool) {
	pos, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, printHelp(name, assets.T(helpLang(*lang), usageKey)), true
	}
	if err == nil {
		err = checkLang(*lang)
	}
	if err != nil {
		return nil, badInput(name, err.Error()), true
	}
	return pos, 0, false
}
