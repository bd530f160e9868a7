package lessons

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/iptables"
	"gopkg.in/yaml.v3"
)

// Langs are the languages a text may have; en is required everywhere and
// the built-in lessons need every one of them.
var Langs = []string{"en", "ko"}

// Load parses and validates one lesson file (en required; other languages
// fall back to en). file is the name used in error messages. The error, if
// any, is an ErrorList with every problem found, each as file:line:col.
func Load(file string, data []byte) (*Lesson, error) {
	return load(file, data, false)
}

// LoadFile reads and loads a lesson file from disk: a regular file of at
// most MaxFileSize bytes (see ReadBounded).
func LoadFile(path string) (*Lesson, error) {
	data, err := ReadBounded(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("read lesson: %w", err)
	}
	return Load(path, data)
}

// LoadStrict is Load with the rules of the built-in lessons: every text must
// exist in every language of Langs.
func LoadStrict(file string, data []byte) (*Lesson, error) {
	return load(file, data, true)
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

type loader struct {
	file   string
	strict bool
	errs   ErrorList
	// userChains are the iptables chains ("TABLE/CHAIN") that some shell
	// text of the file makes with iptables -N; rules may use them.
	userChains map[string]bool
	// world, on a later pass over a lesson with step needs, is a lab that
	// lacks one of them: the actions and expectations of the steps that do
	// not run there are left out, as the runner leaves them out, so that
	// a later step relying on what they made is reported.
	world *needWorld
}

func load(file string, data []byte, strict bool) (l *Lesson, err error) {
	ld := &loader{file: file, strict: strict, userChains: userChainsIn(data)}
	var doc yaml.Node
	if perr := safeUnmarshal(data, &doc); perr != nil {
		line, msg := yamlErrLine(perr.Error())
		return nil, ErrorList{{File: file, Pos: Pos{line, 1}, Msg: msg}}
	}
	if len(doc.Content) == 0 {
		return nil, ErrorList{{File: file, Pos: Pos{1, 1}, Msg: "empty lesson file"}}
	}
	l = ld.lesson(doc.Content[0])
	if needs := stepNeedsOf(l); len(ld.errs) == 0 && len(needs) > 0 {
		for _, w := range needWorlds(needs) {
			ld2 := &loader{file: file, strict: strict, userChains: ld.userChains, world: &w}
			ld2.lesson(doc.Content[0])
			for _, e := range ld2.errs {
				e.Msg += w.describe()
				ld.errs = append(ld.errs, e)
			}
		}
	}
	if len(ld.errs) > 0 {
		sort.SliceStable(ld.errs, func(i, j int) bool {
			a, b := ld.errs[i], ld.errs[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, ld.errs
	}
	l.File = file
	return l, nil
}

func safeUnmarshal(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	return yaml.Unmarshal(data, n)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErrLine turns "yaml: line 3: did not find ..." into 3, "did not find ...".
func yamlErrLine(s string) (int, string) {
	s = strings.SplitN(s, "\n", 2)[0]
	if m := yamlLineRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		// yaml.v3 reports parser (not scanner) errors at the 0-based line
		// of the construct they are in.
		if strings.HasPrefix(m[2], "did not find expected") {
			n++
		}
		return max(n, 1), "YAML syntax: " + m[2]
	}
	return 1, "YAML syntax: " + strings.TrimPrefix(s, "yaml: ")
}

func (ld *loader) errf(n *yaml.Node, format string, a ...any) {
	p := Pos{1, 1}
	if n != nil && n.Line > 0 {
		p = Pos{n.Line, n.Column}
	}
	ld.errs = append(ld.errs, &Error{File: ld.file, Pos: p, Msg: fmt.Sprintf(format, a...)})
}

func pos(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

// field is one key/value of a mapping.
type field struct{ key, val *yaml.Node }

// fields reads a mapping, reporting keys not in allowed (with a guess) and
// duplicate keys. A nil result means n was not a mapping (reported).
func (ld *loader) fields(n *yaml.Node, what string, allowed []string) map[string]field {
	if n.Kind == yaml.AliasNode {
		ld.errf(n, "%s: anchors and aliases are not supported", what)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ld.errf(n, "%s: want a mapping (key: value), got %s", what, kindName(n))
		return nil
	}
	out := map[string]field{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			ld.errf(k, "%s: keys must be plain words", what)
			continue
		}
		if v.Kind == yaml.AliasNode {
			ld.errf(v, "%s: anchors and aliases are not supported", what)
			continue
		}
		if !contains(allowed, k.Value) {
			ld.errf(k, "unknown key %q in %s%s", k.Value, what, suggest(k.Value, allowed))
			continue
		}
		if _, dup := out[k.Value]; dup {
			ld.errf(k, "key %q given twice in %s", k.Value, what)
			continue
		}
		out[k.Value] = field{k, v}
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", clip(n.Value, 40))
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

func (ld *loader) require(parent *yaml.Node, fs map[string]field, what string, keys ...string) {
	for _, k := range keys {
		if _, ok := fs[k]; !ok {
			ld.errf(parent, "%s: missing %q", what, k)
		}
	}
}

func (ld *loader) str(f field, what string) string {
	n := f.val
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		ld.errf(n, "%s: %q wants a text value, got %s", what, f.key.Value, kindName(n))
		return ""
	}
	return n.Value
}

func (ld *loader) id(f field, what string) string {
	s := ld.str(f, what)
	if s != "" && !idRE.MatchString(s) {
		ld.errf(f.val, "%s: id %q: use lowercase letters, digits and dashes", what, s)
	}
	return s
}

func (ld *loader) text(f field, what string) Text {
	n := f.val
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		ld.errf(n, "%s: %q wants a text per language, such as {en: \"...\", ko: \"...\"}", what, f.key.Value)
		return Text{"en": n.Value}
	}
	fs := ld.fields(n, what+" "+f.key.Value, Langs)
	if fs == nil {
		return nil
	}
	t := Text{}
	for lang, lf := range fs {
		t[lang] = ld.str(lf, what+" "+f.key.Value)
	}
	need := []string{"en"}
	if ld.strict {
		need = Langs
	}
	for _, lang := range need {
		if strings.TrimSpace(t[lang]) == "" {
			if _, present := fs[lang]; present {
				ld.errf(fs[lang].val, "%s %s: %q text is empty", what, f.key.Value, lang)
			} else {
				ld.errf(n, "%s %s: missing %q translation", what, f.key.Value, lang)
			}
		}
	}
	return t
}

func (ld *loader) list(f field, what string) []*yaml.Node {
	n := f.val
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		ld.errf(n, "%s: %q wants a list, got %s", what, f.key.Value, kindName(n))
		return nil
	}
	return n.Content
}

func (ld *loader) strList(f field, what string) []string {
	var out []string
	for _, n := range ld.list(f, what) {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			ld.errf(n, "%s: %q wants a list of words, got %s", what, f.key.Value, kindName(n))
			continue
		}
		out = append(out, n.Value)
	}
	return out
}

var lessonKeys = []string{"id", "title", "summary", "needs", "steps", "exercises", "nodes"}
var stepKeys = []string{"id", "title", "text", "capture", "capture_stop", "actions", "expect", "predict", "needs"}
var captureKeys = []string{"id", "ns", "iface", "filter"}
var predictKeys = []string{"question", "answer"}
var exerciseKeys = []string{"id", "title", "goal", "setup", "faults", "checks", "solution", "needs"}

func (ld *loader) lesson(n *yaml.Node) *Lesson {
	l := &Lesson{Builtin: ld.strict}
	fs := ld.fields(n, "lesson", lessonKeys)
	if fs == nil {
		return l
	}
	ld.require(n, fs, "lesson", "id", "title", "summary", "steps")
	if f, ok := fs["id"]; ok {
		l.ID = ld.id(f, "lesson")
	}
	if f, ok := fs["title"]; ok {
		l.Title = ld.text(f, "lesson")
	}
	if f, ok := fs["summary"]; ok {
		l.Summary = ld.text(f, "lesson")
	}
	if f, ok := fs["needs"]; ok {
		for i, s := range ld.strList(f, "lesson") {
			if !contains(Needs, s) {
				ld.errf(f.val.Content[i], "needs: unknown feature %q (known: %s)%s", s, strings.Join(Needs, ", "), suggest(s, Needs))
			}
			l.Needs = append(l.Needs, s)
		}
	}
	st := newSim()
	if f, ok := fs["steps"]; ok {
		items := ld.list(f, "lesson")
		if len(items) == 0 {
			ld.errf(f.val, "lesson: no steps")
		}
		ids := map[string]bool{}
		capIDs := map[string]bool{}
		for i, sn := range items {
			s := ld.step(sn, i, st, capIDs)
			if s == nil {
				continue
			}
			if s.ID != "" {
				if ids[s.ID] {
					ld.errf(sn, "duplicate step id %q", s.ID)
				}
				ids[s.ID] = true
			}
			l.Steps = append(l.Steps, s)
		}
	}
	if f, ok := fs["exercises"]; ok {
		ids := map[string]bool{}
		for _, en := range ld.list(f, "lesson") {
			e := ld.exercise(en)
			if e == nil {
				continue
			}
			e.LessonID = l.ID
			if e.ID != "" {
				if ids[e.ID] {
					ld.errf(en, "duplicate exercise id %q", e.ID)
				}
				ids[e.ID] = true
			}
			l.Exercises = append(l.Exercises, e)
		}
	}
	if f, ok := fs["nodes"]; ok && ld.world == nil {
		l.Nodes = ld.nodes(f, l)
	}
	return l
}

func (ld *loader) step(n *yaml.Node, i int, st *sim, capIDs map[string]bool) *Step {
	what := fmt.Sprintf("step %d", i+1)
	fs := ld.fields(n, what, stepKeys)
	if fs == nil {
		return nil
	}
	s := &Step{Pos: pos(n)}
	ld.require(n, fs, what, "id", "title")
	if f, ok := fs["id"]; ok {
		s.ID = ld.id(f, what)
		if s.ID != "" {
			what = fmt.Sprintf("step %q", s.ID)
		}
	}
	if f, ok := fs["title"]; ok {
		s.Title = ld.text(f, what)
	}
	if f, ok := fs["text"]; ok {
		s.Text = ld.text(f, what)
	}
	if f, ok := fs["predict"]; ok {
		pfs := ld.fields(f.val, what+" predict", predictKeys)
		if pfs != nil {
			ld.require(f.val, pfs, what+" predict", "question", "answer")
			s.Predict = &Predict{}
			if q, ok := pfs["question"]; ok {
				s.Predict.Question = ld.text(q, what+" predict")
			}
			if a, ok := pfs["answer"]; ok {
				s.Predict.Answer = ld.text(a, what+" predict")
			}
		}
	}
	if f, ok := fs["needs"]; ok {
		s.Needs = ld.needs(f, what, StepNeeds)
	}
	if ld.world != nil && !ld.world.runs(s.Needs) {
		// Not run in a lab without what it needs: its capture points do
		// not start either (what they watch may not exist there), and a
		// later step that reads one of them must say the same needs.
		delete(fs, "capture")
		delete(fs, "capture_stop")
	}
	// Capture points start before the actions.
	if f, ok := fs["capture"]; ok {
		for _, cn := range ld.list(f, what) {
			c := ld.capture(cn, what, st)
			if c == nil {
				continue
			}
			if c.ID != "" {
				if capIDs[c.ID] {
					ld.errf(cn, "duplicate capture id %q", c.ID)
				}
				capIDs[c.ID] = true
				st.captures[c.ID] = true
			}
			s.Captures = append(s.Captures, c)
		}
	}
	if ld.world != nil && !ld.world.runs(s.Needs) {
		// Not run in a lab without what it needs: nothing it makes exists.
		delete(fs, "actions")
		delete(fs, "expect")
	}
	if f, ok := fs["actions"]; ok {
		for _, an := range ld.list(f, what) {
			if a := ld.action(an, what, st); a != nil {
				s.Actions = append(s.Actions, a)
			}
		}
	}
	if f, ok := fs["expect"]; ok {
		for _, en := range ld.list(f, what) {
			if a := ld.assertion(en, what, st, false); a != nil {
				s.Expect = append(s.Expect, a)
			}
		}
	}
	if f, ok := fs["capture_stop"]; ok {
		for i, id := range ld.strList(f, what) {
			if !st.captures[id] {
				ld.errf(f.val.Content[i], "%s: capture_stop: no running capture %q%s", what, id, suggest(id, sortedKeys(st.captures)))
			}
			delete(st.captures, id)
			s.CaptureStop = append(s.CaptureStop, id)
		}
	}
	return s
}

func (ld *loader) capture(n *yaml.Node, what string, st *sim) *CapturePoint {
	fs := ld.fields(n, what+" capture", captureKeys)
	if fs == nil {
		return nil
	}
	ld.require(n, fs, what+" capture", "id", "iface")
	c := &CapturePoint{NS: "host", Pos: pos(n)}
	if f, ok := fs["id"]; ok {
		c.ID = ld.id(f, what+" capture")
	}
	nsNode := n
	if f, ok := fs["ns"]; ok {
		c.NS = ld.str(f, what+" capture")
		nsNode = f.val
	}
	if f, ok := fs["iface"]; ok {
		c.Iface = ld.str(f, what+" capture")
		if c.Iface != "" && c.NS != "" {
			if msg := st.needLink(c.NS, c.Iface); msg != "" {
				ld.errf(f.val, "%s capture %s: %s (capture points start before the step's actions)", what, c.ID, msg)
			}
		}
	} else if c.NS != "" {
		if msg := st.needNS(c.NS); msg != "" {
			ld.errf(nsNode, "%s capture: %s", what, msg)
		}
	}
	if f, ok := fs["filter"]; ok {
		c.Filter = ld.str(f, what+" capture")
		if c.Filter != "" {
			if err := compileFilter(c.Filter); err != nil {
				msg, off := filterMsg(err)
				ld.errAt(f.val, off, "%s capture %s: bad filter %q: %s", what, c.ID, c.Filter, msg)
			}
		}
	}
	return c
}

// one reads a single-kind mapping {kind: {fields}} (noun: "action",
// "expectation" or "check") and returns the kind's key/value; extra keys
// (id, hint for checks) are returned separately.
func (ld *loader) one(n *yaml.Node, what, noun string, kinds []string, extra []string) (kind string, kf field, ex map[string]field, ok bool) {
	if n.Kind != yaml.MappingNode {
		ld.errf(n, "%s: want {KIND: {...}}, got %s", what, kindName(n))
		return "", field{}, nil, false
	}
	ex = map[string]field{}
	var found []field
	bad := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			ld.errf(k, "%s: keys must be plain words", what)
			bad = true
			continue
		}
		if v.Kind == yaml.AliasNode {
			ld.errf(v, "%s: anchors and aliases are not supported", what)
			bad = true
			continue
		}
		switch {
		case contains(extra, k.Value):
			if _, dup := ex[k.Value]; dup {
				ld.errf(k, "key %q given twice in %s", k.Value, what)
			}
			ex[k.Value] = field{k, v}
		case contains(kinds, k.Value):
			found = append(found, field{k, v})
		default:
			ld.errf(k, "unknown %s %q%s", noun, k.Value, suggest(k.Value, append(append([]string{}, kinds...), extra...)))
			bad = true
		}
	}
	if len(found) == 0 {
		if !bad {
			ld.errf(n, "%s: no %s given (one of: %s)", what, noun, strings.Join(kinds, ", "))
		}
		return "", field{}, ex, false
	}
	if len(found) > 1 {
		ld.errf(found[1].key, "%s: more than one %s (%s and %s); write one per list item", what, noun, found[0].key.Value, found[1].key.Value)
		return "", field{}, ex, false
	}
	return found[0].key.Value, found[0], ex, true
}

var actionArgFields = tagIndex(reflect.TypeOf(ActionArgs{}))
var assertArgFields = tagIndex(reflect.TypeOf(AssertArgs{}))

func tagIndex(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		m[strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]] = i
	}
	return m
}

// args decodes kf's mapping into the struct at dst (a pointer) using the
// kind's allowed and required fields.
func (ld *loader) args(kf field, what string, spec kindSpec, index map[string]int, dst reflect.Value) (map[string]field, bool) {
	kwhat := what + " " + kf.key.Value
	if kf.val.Kind == yaml.ScalarNode && kf.val.Tag == "!!null" {
		if len(spec.required) > 0 {
			ld.errf(kf.val, "%s: missing fields %s", kwhat, strings.Join(spec.required, ", "))
			return nil, false
		}
		return map[string]field{}, true
	}
	fs := ld.fields(kf.val, kwhat, spec.fields)
	if fs == nil {
		return nil, false
	}
	ok := true
	for _, r := range spec.required {
		if _, has := fs[r]; !has {
			ld.errf(kf.val, "%s: missing %q", kwhat, r)
			ok = false
		}
	}
	for name, f := range fs {
		fv := dst.Elem().Field(index[name])
		if !ld.setField(fv, f, kwhat) {
			ok = false
		}
	}
	return fs, ok
}

func (ld *loader) setField(fv reflect.Value, f field, what string) bool {
	n := f.val
	scalar := n.Kind == yaml.ScalarNode && n.Tag != "!!null"
	switch fv.Kind() {
	case reflect.String:
		if !scalar {
			ld.errf(n, "%s: %q wants a text value, got %s", what, f.key.Value, kindName(n))
			return false
		}
		fv.SetString(n.Value)
	case reflect.Int:
		v, err := strconv.Atoi(n.Value)
		if !scalar || err != nil {
			ld.errf(n, "%s: %q wants a whole number, got %s", what, f.key.Value, kindName(n))
			return false
		}
		fv.SetInt(int64(v))
	case reflect.Bool:
		b, ok := parseBool(n)
		if !ok {
			ld.errf(n, "%s: %q wants true or false, got %s", what, f.key.Value, kindName(n))
			return false
		}
		fv.SetBool(b)
	case reflect.Pointer:
		p := reflect.New(fv.Type().Elem())
		if !ld.setField(p.Elem(), f, what) {
			return false
		}
		fv.Set(p)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			ld.errf(n, "%s: %q wants a list, got %s", what, f.key.Value, kindName(n))
			return false
		}
		var out []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
				ld.errf(c, "%s: %q wants a list of words, got %s", what, f.key.Value, kindName(c))
				return false
			}
			out = append(out, c.Value)
		}
		fv.Set(reflect.ValueOf(out))
	}
	return true
}

func parseBool(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch n.Value {
	case "true", "True", "TRUE", "yes":
		return true, true
	case "false", "False", "FALSE", "no":
		return false, true
	}
	return false, false
}

func (ld *loader) action(n *yaml.Node, what string, st *sim) *Action {
	kind, kf, _, ok := ld.one(n, what, "action", sortedKeys(actionKinds), nil)
	if !ok {
		return nil
	}
	a := &Action{Kind: kind, Pos: pos(kf.key)}
	fs, ok := ld.args(kf, what, actionKinds[kind], actionArgFields, reflect.ValueOf(&a.Args))
	if !ok {
		return nil
	}
	act, fname, err := buildAction(kind, a.Args)
	if err != nil {
		at := kf.val
		if f, ok := fs[fname]; ok {
			at = f.val
		}
		ld.errf(at, "%s %s: %v", what, kind, err)
		return nil
	}
	if ipt, ok := act.(engine.Iptables); ok {
		// Parse cannot tell POSTROUTNG from a user chain: iptables refuses
		// a chain or target that does not exist, so the file is refused
		// now rather than the step at run time.
		if err := ipt.Rule.CheckNames(ld.isUserChain); err != nil {
			at := kf.val
			if f, ok := fs["rule"]; ok {
				at = f.val
			}
			ld.errf(at, "%s %s: iptables rule: %v", what, kind, err)
			return nil
		}
	}
	a.act = act
	if msg, fname := st.apply(kind, a.Args); msg != "" {
		at := kf.val
		if f, ok := fs[fname]; ok {
			at = f.val
		}
		ld.errf(at, "%s %s: %s", what, kind, msg)
	}
	return a
}

func (ld *loader) exercise(n *yaml.Node) *Exercise {
	what := "exercise"
	fs := ld.fields(n, what, exerciseKeys)
	if fs == nil {
		return nil
	}
	e := &Exercise{Pos: pos(n)}
	ld.require(n, fs, what, "id", "title", "goal", "checks")
	if f, ok := fs["id"]; ok {
		e.ID = ld.id(f, what)
		if e.ID != "" {
			what = fmt.Sprintf("exercise %q", e.ID)
		}
	}
	if f, ok := fs["title"]; ok {
		e.Title = ld.text(f, what)
	}
	if f, ok := fs["goal"]; ok {
		e.Goal = ld.text(f, what)
	}
	st := newSim()
	if f, ok := fs["setup"]; ok {
		for _, an := range ld.list(f, what) {
			if a := ld.action(an, what+" setup", st); a != nil {
				e.Setup = append(e.Setup, a)
			}
		}
	}
	if f, ok := fs["faults"]; ok {
		e.Faults = ld.faults(f, what, st)
	}
	if f, ok := fs["checks"]; ok {
		items := ld.list(f, what)
		if len(items) == 0 {
			ld.errf(f.val, "%s: no checks", what)
		}
		ids := map[string]bool{}
		for _, cn := range items {
			c := ld.assertion(cn, what+" check", nil, true)
			if c == nil {
				continue
			}
			if c.ID != "" {
				if ids[c.ID] {
					ld.errf(cn, "duplicate check id %q in %s", c.ID, what)
				}
				ids[c.ID] = true
			}
			e.Checks = append(e.Checks, c)
		}
	}
	if f, ok := fs["solution"]; ok {
		e.Solution = ld.str(f, what)
	}
	ld.exerciseNeeds(e, fs, what)
	return e
}

// assertion reads one expectation (st: the lab state at that point, checked
// for references) or one exercise check (st nil: names are free).
func (ld *loader) assertion(n *yaml.Node, what string, st *sim, check bool) *Assertion {
	var extra []string
	noun := "expectation"
	if check {
		extra = []string{"id", "hint", "fix", "when"}
		noun = "check"
	}
	kind, kf, ex, ok := ld.one(n, what, noun, sortedKeys(assertKinds), extra)
	a := &Assertion{Pos: pos(n)}
	if check {
		if f, has := ex["id"]; has {
			a.ID = ld.id(f, what)
		} else if n.Kind == yaml.MappingNode {
			ld.errf(n, "%s: missing \"id\"", what)
		}
		if f, has := ex["hint"]; has {
			a.Hint = ld.text(f, what)
		}
		if f, has := ex["fix"]; has {
			a.Fix = ld.text(f, what)
		}
		if f, has := ex["when"]; has {
			a.When = ld.hintCases(f, what)
		}
	}
	if !ok {
		return nil
	}
	a.Kind = kind
	fs, ok := ld.args(kf, what, assertKinds[kind], assertArgFields, reflect.ValueOf(&a.Args))
	if !ok {
		return nil
	}
	at := func(name string) *yaml.Node {
		if f, ok := fs[name]; ok {
			return f.val
		}
		return kf.val
	}
	for _, e := range validateAssert(kind, a.Args) {
		ld.errAt(at(e.field), e.off, "%s %s: %s", what, kind, e.msg)
	}
	if st != nil {
		for _, e := range st.checkAssert(kind, a.Args) {
			ld.errf(at(e.field), "%s %s: %s", what, kind, e.msg)
		}
	}
	return a
}

type fieldErr struct {
	field, msg string
	off        int // byte offset into the field's text, or -1
}

// filterMsg splits a capture filter error into its message and the byte
// offset it points at (-1 when unknown).
func filterMsg(err error) (string, int) {
	var fe *capture.FilterError
	if errors.As(err, &fe) {
		return fe.Msg, fe.Pos
	}
	return err.Error(), -1
}

// errAt reports an error at byte offset off inside scalar n's text, when the
// text is on one line; else at n.
func (ld *loader) errAt(n *yaml.Node, off int, format string, a ...any) {
	if off < 0 || n.Kind != yaml.ScalarNode || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || strings.Contains(n.Value, "\n") {
		ld.errf(n, format, a...)
		return
	}
	col := n.Column + off
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		col++
	}
	ld.errs = append(ld.errs, &Error{File: ld.file, Pos: Pos{n.Line, col}, Msg: fmt.Sprintf(format, a...)})
}

// validateAssert checks values (addresses, rules, enums), not references.
func validateAssert(kind string, g AssertArgs) []fieldErr {
	var errs []fieldErr
	add := func(f string, err error) {
		if err != nil {
			errs = append(errs, fieldErr{f, err.Error(), -1})
		}
	}
	switch kind {
	case "link":
		if g.State != "" && g.State != "up" && g.State != "down" {
			add("state", fmt.Errorf("state %q: want up or down%s", g.State, suggest(g.State, []string{"up", "down"})))
		}
		if g.Addr != "" {
			add("addr", checkCIDR(g.Addr, true))
		}
		if g.Peer != "" && strings.Count(g.Peer, "/") > 1 {
			add("peer", fmt.Errorf("peer %q: want NS or NS/LINK", g.Peer))
		}
	case "addr":
		add("addr", checkCIDR(g.Addr, true))
	case "route":
		if g.Dst != "default" {
			add("dst", checkCIDROrIP(g.Dst))
		}
		if g.Via != "" {
			add("via", checkIP(g.Via))
		}
	case "neighbor":
		add("ip", checkIP(g.IP))
	case "fdb":
		if !strings.Contains(g.MacOf, "/") {
			add("mac_of", fmt.Errorf("mac_of %q: want NS/LINK", g.MacOf))
		}
	case "rule":
		if _, err := canonRule(g.Spec); err != nil {
			add("spec", fmt.Errorf("iptables rule: %v", err))
		}
	case "reachable", "unreachable":
		add("to", checkIP(g.To))
		if g.Size < 0 || g.Size > 65507 {
			add("size", fmt.Errorf("size %d: want 1..65507 bytes of echo data", g.Size))
		}
	case "tcp":
		add("addr", checkHostPort(g.Addr))
	case "endpoints":
		add("addr", checkHostPort(g.Addr))
		add("banners", validateBanners(g))
		add("count", validateCount(g))
	case "packet":
		if g.Match != "" {
			if err := compileFilter(g.Match); err != nil {
				msg, off := filterMsg(err)
				errs = append(errs, fieldErr{"match", fmt.Sprintf("bad filter %q: %s", g.Match, msg), off})
			}
		}
		if g.Min < 0 {
			add("min", fmt.Errorf("min %d: want 1 or more", g.Min))
		}
	case "udp_flow":
		add("addr", checkHostPort(g.Addr))
		add("src", checkIP(g.Src))
	case "snat":
		add("to", checkIP(g.To))
		add("src", checkIP(g.Src))
	case "forwards":
		add("to", checkIP(g.To))
	case "encapsulated":
		add("to", checkIP(g.To))
		if g.Port < 1 || g.Port > 65535 {
			add("port", fmt.Errorf("port %d: want 1..65535", g.Port))
		}
		if g.VNI < 0 || g.VNI > 1<<24-1 {
			add("vni", fmt.Errorf("vni %d: want 1..16777215", g.VNI))
		}
	case "policy":
		if g.Table != "" && g.Table != "filter" && g.Table != "nat" {
			add("table", fmt.Errorf("table %q: want filter or nat", g.Table))
		}
		if g.Value != "ACCEPT" && g.Value != "DROP" {
			add("value", fmt.Errorf("value %q: want ACCEPT or DROP", g.Value))
		}
	case "file_owner":
		if strings.TrimSpace(g.Path) == "" {
			add("path", fmt.Errorf("path is empty"))
		}
	case "contained":
		if !contains(containedNS, g.NS) {
			add("ns", fmt.Errorf("ns %q: want one of %s", g.NS, strings.Join(containedNS, ", ")))
		}
	}
	return errs
}

// userChainsIn finds the chains that shell texts anywhere in a lesson file
// (run and userns actions, exercise set-ups) make with iptables -N. Any
// line of the file counts, wherever it is: a chain made by a later step or
// by the learner's shell is not an error of the file.
func userChainsIn(data []byte) map[string]bool {
	chains := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "iptables") {
			continue
		}
		// Shell separators end one command; quotes of YAML or of the
		// shell around a word do not matter here.
		line = strings.NewReplacer(";", " ; ", "&&", " && ", "||", " || ", "|", " | ").Replace(line)
		words := strings.Fields(line)
		for i := range words {
			words[i] = strings.Trim(words[i], `"'{},`)
		}
		for i, w := range words {
			if !strings.HasSuffix(w, "iptables") && !strings.HasSuffix(w, "iptables-nft") && !strings.HasSuffix(w, "iptables-legacy") {
				continue
			}
			if table, chain, ok := iptables.NewChainIn(words[i:]); ok {
				chains[table+"/"+chain] = true
			}
		}
	}
	return chains
}

func (ld *loader) isUserChain(table, chain string) bool { return ld.userChains[table+"/"+chain] }
