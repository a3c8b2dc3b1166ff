package config

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors callers branch on; every *Error wraps one of them.
var (
	// ErrSyntax: the file is not readable YAML (bad indentation, tabs, not
	// UTF-8, an unclosed quote).
	ErrSyntax = errors.New("not a valid YAML file")
	// ErrInvalid: the file is YAML but a field is missing, unknown or wrong.
	ErrInvalid = errors.New("invalid configuration")
)

// Error is one mistake in a configuration file.
type Error struct {
	File string
	Line int    // from 1; 0 when the mistake has no line
	Path string // the field, like "counters[2].services[0].service"; empty for the whole file
	Msg  string // what is wrong and what was expected
	Err  error  // ErrSyntax or ErrInvalid
}

// Error reads like a compiler's: "centre.yaml:23: counters[2].services[0].service: unknown service ...".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errors is every mistake found in one file, in line order. Parse returns one
// so that a technician can fix them all in one pass; errors.As finds the
// first *Error and errors.Is the sentinels.
type Errors []*Error

// maxErrors bounds the mistakes listed; a file that far off needs its first
// mistakes fixed before the rest mean anything.
const maxErrors = 20

func (l Errors) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (l Errors) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// yamlLine matches the line yaml.v3 puts in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parserProblems are the yaml.v3 messages that come from its parser rather
// than its scanner: the parser reports lines counted from 0.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// syntaxError turns an error of yaml.v3 into an *Error with the line, counted
// from 1, and a hint a technician can act on.
func syntaxError(file string, data []byte, err error) *Error {
	e := &Error{File: file, Err: ErrSyntax, Msg: err.Error()}
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return e
	}
	problem := m[2]
	line, _ := strconv.Atoi(m[1])
	if slices.Contains(parserProblems, problem) {
		line++
	}
	if line == 0 {
		line = 1
	}
	if tab := tabIndented(data); tab > 0 && tab <= line {
		e.Line, e.Msg = tab, "tab in the indentation; indent with spaces only"
		return e
	}
	switch {
	case problem == "control characters are not allowed":
		line = firstLine(data, func(r rune) bool { return r < ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0x7f })
		problem = "control character in the text; save the file as plain UTF-8 text"
	case strings.HasPrefix(problem, "unknown anchor"):
		problem = strings.TrimSuffix(problem, " referenced") + "; anchors and aliases are not used in this file, write the value out"
	case strings.HasPrefix(problem, "did not find expected"),
		problem == "mapping values are not allowed in this context",
		problem == "found a tab character that violates indentation",
		problem == "found character that cannot start any token":
		problem += "; check the indentation and the quotes on this line and the ones above"
	case problem == "found unexpected end of stream":
		problem = "the file ends inside a quoted or bracketed value; check that every quote and bracket is closed"
	}
	e.Line, e.Msg = line, problem
	return e
}

// tabIndented returns the first line, from 1, whose indentation holds a tab, or 0.
func tabIndented(data []byte) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
		rest := bytes.TrimSpace(line)
		if bytes.IndexByte(indent, '\t') >= 0 && len(rest) > 0 && rest[0] != '#' {
			return i + 1
		}
	}
	return 0
}

// firstLine returns the line, from 1, of the first rune for which bad is true, or 0.
func firstLine(data []byte, bad func(rune) bool) int {
	line := 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if bad(r) {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[n:]
	}
	return 0
}

// suggest returns the known word closest to word, if one is close enough to
// be a typing mistake, or "".
func suggest(word string, known []string) string {
	// One typing mistake in a short word, two in a longer one.
	best, bestDist := "", 2
	if len(word) > 4 {
		bestDist = 3
	}
	for _, k := range known {
		if d := distance(strings.ToLower(word), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
