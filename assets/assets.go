// Package assets holds what nettutor embeds that is not code: the UI
// strings in each language. Strings live in assets/strings/AREA.LANG.json so
// that each part of the program keeps its own file; all files of a language
// are merged. Older strings are fmt formats (Tf); messages built from
// values are templates with named placeholders and Korean particles,
// "{ns}: {name}은(는) {state} 상태" (Fill, M, Carry/Localize in
// template.go, the particle rules in josa.go), so that one template per
// message serves every value in every language.
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
)

//go:embed strings/*.json
var stringFiles embed.FS

// Langs are the supported languages, the default first.
var Langs = []string{"en", "ko"}

var (
	loadOnce sync.Once
	tables   map[string]map[string]string
	loadErr  error
)

func load() {
	tables = map[string]map[string]string{}
	ents, err := stringFiles.ReadDir("strings")
	if err != nil {
		loadErr = err
		return
	}
	for _, e := range ents {
		base := strings.TrimSuffix(e.Name(), ".json")
		dot := strings.LastIndexByte(base, '.')
		if dot < 0 {
			loadErr = fmt.Errorf("assets: %s: want AREA.LANG.json", e.Name())
			return
		}
		lang := base[dot+1:]
		b, err := stringFiles.ReadFile(path.Join("strings", e.Name()))
		if err != nil {
			loadErr = err
			return
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			loadErr = fmt.Errorf("assets: %s: %w", e.Name(), err)
			return
		}
		if tables[lang] == nil {
			tables[lang] = map[string]string{}
		}
		for k, v := range m {
			if _, dup := tables[lang][k]; dup {
				loadErr = fmt.Errorf("assets: %s: key %q defined twice", e.Name(), k)
				return
			}
			tables[lang][k] = v
		}
	}
}

// Check reports a broken or incomplete string table: every key of English
// must exist in every other language.
func Check() error {
	loadOnce.Do(load)
	if loadErr != nil {
		return loadErr
	}
	for _, lang := range Langs[1:] {
		for k := range tables["en"] {
			if _, ok := tables[lang][k]; !ok {
				return fmt.Errorf("assets: %s has no %q", lang, k)
			}
		}
	}
	return nil
}

// T returns the string key in lang, falling back to English, then to the
// key itself so a missing string is visible rather than blank.
func T(lang, key string) string {
	loadOnce.Do(load)
	if s, ok := tables[lang][key]; ok {
		return s
	}
	if s, ok := tables["en"][key]; ok {
		return s
	}
	return key
}

// Tf is T with fmt.Sprintf arguments.
func Tf(lang, key string, a ...any) string { return fmt.Sprintf(T(lang, key), a...) }

// LangFromEnv picks the language from LC_ALL, LC_MESSAGES or LANG:
// ko_KR.UTF-8 gives "ko"; anything else "en".
func LangFromEnv() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "ko") {
				return "ko"
			}
			return "en"
		}
	}
	return "en"
}

// ValidLang reports whether lang is supported.
func ValidLang(lang string) bool {
	for _, l := range Langs {
		if l == lang {
			return true
		}
	}
	return false
}
