package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/lessons/grading"
)

func init() {
	register("lint", "validate lesson files (file:line:col: message)", cmdLint)
}

// cmdLint validates lesson files without touching the kernel. Exit 0 when
// every file is clean, 1 when some has errors, 2 when a file cannot be read.
func cmdLint(args []string) int {
	fs := newFlagSet("lint")
	lang := langFlag(fs)
	strict := fs.Bool("strict", false, "require every text in every language (as built-in lessons do)")
	files, code, done := parseCommand("lint", "lint.usage", fs, lang, args)
	if done {
		return code
	}
	if len(files) == 0 {
		return badInput("lint", assets.T(*lang, "lint.usage"))
	}
	code = 0
	for _, f := range files {
		data, err := lessons.ReadBounded(f, lessons.MaxFileSize)
		var tl *lessons.TooLargeError
		var nr *lessons.NotRegularError
		if errors.As(err, &tl) || errors.As(err, &nr) {
			// Refused before anything was read: a FIFO, a device, 100 MB.
			fmt.Fprintf(os.Stderr, "nettutor lint: %s\n", grading.FileErrorText(*lang, f, err))
			code = 2
			continue
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "nettutor lint: %s\n", assets.Tf(*lang, "lint.unreadable", f, errors.Unwrap(err)))
			code = 2
			continue
		}
		load := lessons.Load
		// Built-in lessons are held to every language, as when embedded.
		if *strict || strings.Contains(filepath.ToSlash(f), "lessons/builtin/") {
			load = lessons.LoadStrict
		}
		if _, err := load(f, data); err != nil {
			var el lessons.ErrorList
			if errors.As(err, &el) {
				for _, e := range el {
					fmt.Println(e.Error())
				}
			} else {
				fmt.Printf("%s:1:1: %v\n", f, err)
			}
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}
