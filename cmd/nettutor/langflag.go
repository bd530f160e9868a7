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
