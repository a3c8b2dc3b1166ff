package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/sothutu/sothutu/protocol"
)

// Fields of each part of the file, in the order the messages list them.
var (
	topFields        = []string{"centre", "rules", "services", "counters", "devices", "controller", "users"}
	centreFields     = []string{"id", "name", "timezone"}
	textFields       = []string{"vi", "en", "km"}
	rulesFields      = []string{"priority_max_in_row", "hold_for"}
	serviceFields    = []string{"id", "prefix", "width", "name", "target_wait", "mean_service"}
	counterFields    = []string{"id", "name", "services"}
	skillFields      = []string{"service", "level"}
	deviceFields     = []string{"id", "kind", "password", "counter", "buttons", "offline"}
	controllerFields = []string{"username", "password"}
	userFields       = []string{"name", "full_name", "role", "counter", "password_hash"}
	roles            = []string{string(RoleManager), string(RoleStaff), string(RoleViewer)}
	kinds            = []string{string(protocol.DeviceKiosk), string(protocol.DeviceCounter), string(protocol.DeviceBoard)}
)

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,3}$`)

const (
	maxText     = 200 // characters of a name
	maxDuration = 24 * time.Hour
	maxKnown    = 30 // ids listed after "unknown service"
)

// Parse reads a centre's configuration. filename is only used in messages.
//
// The error is nil or an Errors listing every mistake found, each with the
// file, the line, the field and what was expected; errors.Is tells ErrSyntax
// (not readable YAML) from ErrInvalid (a field is wrong).
func Parse(filename string, data []byte) (*Centre, error) {
	d := &decoder{file: filename, top: topFields}
	root := d.document(data)
	if root == nil {
		return nil, d.errs
	}
	c := d.centre(root)
	if err := d.result(); err != nil {
		return nil, err
	}
	return c, nil
}

// result is nil, or the mistakes found in line order, at most maxErrors.
func (d *decoder) result() error {
	if len(d.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(d.errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	if len(d.errs) > maxErrors {
		rest := len(d.errs) - maxErrors
		d.errs = append(d.errs[:maxErrors], &Error{File: d.file, Err: ErrInvalid,
			Msg: fmt.Sprintf("and %d more mistakes not listed; fix these first", rest)})
	}
	return d.errs
}

// decoder walks the YAML nodes and collects every mistake with its line.
type decoder struct {
	file string
	top  []string // the file's sections, for messages
	errs Errors
	// guessed holds, for each mapping, the fields suggested for misspelt
	// ones: a misspelt field is reported once, not again as missing.
	guessed map[*yaml.Node][]string
	// empty holds, for each mapping, the keys of fields given no value.
	empty map[*yaml.Node]map[string]*yaml.Node
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid})
}

// document parses data as one YAML document and returns its top mapping, or
// nil after recording why there is none.
func (d *decoder) document(data []byte) *yaml.Node {
	whole := func(line int, err error, format string, args ...any) *yaml.Node {
		d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...), Err: err})
		return nil
	}
	if len(data) > MaxSize {
		return whole(0, ErrInvalid, "%d bytes is too large for a configuration (at most %d); is this the right file?", len(data), MaxSize)
	}
	if !utf8.Valid(data) {
		line := firstLine(data, func(r rune) bool { return r == utf8.RuneError })
		return whole(line, ErrSyntax, "not UTF-8 text; save the file as UTF-8 (Unicode), not TCVN3 or VNI")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return whole(1, ErrInvalid, "the file is empty; expected the sections %s (see example.yaml)", strings.Join(d.top, ", "))
		}
		d.errs = append(d.errs, syntaxError(d.file, data, err))
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.errs = append(d.errs, syntaxError(d.file, data, err))
		return nil
	default:
		return whole(next.Line, ErrInvalid, "a second YAML document starts here; a configuration is one document, remove the \"---\" line")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return whole(1, ErrInvalid, "the file is empty; expected the sections %s (see example.yaml)", strings.Join(d.top, ", "))
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return whole(1, ErrInvalid, "the file is empty; expected the sections %s (see example.yaml)", strings.Join(d.top, ", "))
	}
	if root.Kind != yaml.MappingNode {
		return whole(root.Line, ErrInvalid, "expected the sections %s, one per line like \"centre:\"; found %s: is this a configuration file?",
			strings.Join(d.top, ", "), describe(root))
	}
	return root
}

// describe names what a node is, for "expected X, found Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "fields (name: value)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		v := n.Value
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "..."
		}
		return strconv.Quote(v)
	}
	return "something else"
}

// join names a field under path.
func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// fields checks that n holds fields (name: value) from known, each at most
// once, and returns their values by name. Fields set to nothing ("name:" or
// "name: ~") are left out, as if absent. It returns nil if n is not a mapping.
func (d *decoder) fields(n *yaml.Node, path, what string, known []string) map[string]*yaml.Node {
	if !d.kind(n, path, yaml.MappingNode, what) {
		return nil
	}
	got := map[string]*yaml.Node{}
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "expected a field name, found %s", describe(k))
			continue
		}
		name := k.Value
		if !slices.Contains(known, name) {
			where := ""
			if path == "" {
				where = " at top level"
			}
			hint := ""
			if guess := suggest(name, known); guess != "" {
				if d.guessed == nil {
					d.guessed = map[*yaml.Node][]string{}
				}
				d.guessed[n] = append(d.guessed[n], guess)
				hint = fmt.Sprintf(" did you mean %q?", guess)
			}
			d.fail(k, path, "unknown field %q%s;%s expected one of: %s", name, where, hint, strings.Join(known, ", "))
			continue
		}
		if line, dup := first[name]; dup {
			d.fail(k, join(path, name), "given twice (first on line %d); keep one", line)
			continue
		}
		first[name] = k.Line
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			if d.empty == nil {
				d.empty = map[*yaml.Node]map[string]*yaml.Node{}
			}
			if d.empty[n] == nil {
				d.empty[n] = map[string]*yaml.Node{}
			}
			d.empty[n][name] = k
			continue
		}
		got[name] = v
	}
	return got
}

// kind checks that n is of kind k; what says what was expected.
func (d *decoder) kind(n *yaml.Node, path string, k yaml.Kind, what string) bool {
	if n.Kind == k {
		return true
	}
	if n.Kind == yaml.AliasNode {
		d.fail(n, path, "aliases (*%s) are not used in this file; write the value out", n.Value)
		return false
	}
	d.fail(n, path, "expected %s, found %s", what, describe(n))
	return false
}

// require returns f[name], or records that it is missing from the fields at n.
func (d *decoder) require(f map[string]*yaml.Node, n *yaml.Node, path, name, hint string) *yaml.Node {
	if v, ok := f[name]; ok {
		return v
	}
	if slices.Contains(d.guessed[n], name) {
		return nil
	}
	if k, ok := d.empty[n][name]; ok {
		d.fail(k, join(path, name), "empty; %s", hint)
		return nil
	}
	d.fail(n, join(path, name), "missing; %s", hint)
	return nil
}

// text returns a scalar's text, or "" after recording a mistake.
func (d *decoder) text(n *yaml.Node, path string) (string, bool) {
	if !d.kind(n, path, yaml.ScalarNode, "a value") {
		return "", false
	}
	return n.Value, true
}

// id reads an id of a centre, service, counter, device or account.
func (d *decoder) id(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path)
	if !ok {
		return "", false
	}
	if protocol.CheckID(path, s) != nil {
		d.fail(n, path, "%q is not an id; use 1 to 32 letters (without accents), digits, '-' or '_'", s)
		return s, false
	}
	return s, true
}

// number reads a whole number between lo and hi.
func (d *decoder) number(n *yaml.Node, path string, lo, hi int) (int, bool) {
	s, ok := d.text(n, path)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		d.fail(n, path, "%q is not a whole number; expected %d to %d", s, lo, hi)
		return 0, false
	}
	if v < lo || v > hi {
		d.fail(n, path, "%d is out of range; expected %d to %d", v, lo, hi)
		return 0, false
	}
	return v, true
}

// duration reads a positive duration of at most a day.
func (d *decoder) duration(n *yaml.Node, path string) time.Duration {
	s, ok := d.text(n, path)
	if !ok {
		return 0
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.fail(n, path, "%q is not a duration; write it like 20m or 1h30m", s)
	case v <= 0:
		d.fail(n, path, "%q must be more than zero; write it like 20m or 1h30m", s)
	case v > maxDuration:
		d.fail(n, path, "%q is more than a day; write it like 20m or 1h30m", s)
	default:
		return v
	}
	return 0
}

// holdFor reads how long a held ticket waits for its kiosk's confirmation:
// long enough for a slow printer and a reprint, short enough that a ticket
// nobody holds leaves the figures the same morning.
func (d *decoder) holdFor(n *yaml.Node, path string) time.Duration {
	v := d.duration(n, path)
	if v == 0 {
		return DefaultHoldFor
	}
	if v < MinHoldFor || v > MaxHoldFor {
		d.fail(n, path, "%s is out of range; expected %s to %s", v, MinHoldFor, MaxHoldFor)
		return DefaultHoldFor
	}
	return v
}

// password reads a password of at least MinPassword characters.
func (d *decoder) password(n *yaml.Node, path string) string {
	s, ok := d.text(n, path)
	if !ok {
		return ""
	}
	if utf8.RuneCountInString(s) < MinPassword {
		d.fail(n, path, "too short (%d characters); use at least %d", utf8.RuneCountInString(s), MinPassword)
	}
	return s
}

// name reads a Text: either fields {vi, en, km} or, for Vietnamese only, a
// plain value. The text is stored in NFC, the precomposed form, so a name
// typed with combining accents prints and compares like one typed without.
func (d *decoder) name(n *yaml.Node, path string) Text {
	var t Text
	if n.Kind == yaml.ScalarNode {
		t.VI = d.oneText(n, join(path, "vi"))
		return t
	}
	f := d.fields(n, path, "a name like {vi: \"Đất đai\", en: \"Land\"}", textFields)
	if f == nil {
		return t
	}
	if v := d.require(f, n, path, "vi", "every name needs its Vietnamese text"); v != nil {
		t.VI = d.oneText(v, join(path, "vi"))
	}
	if v, ok := f["en"]; ok {
		t.EN = d.oneText(v, join(path, "en"))
	}
	if v, ok := f["km"]; ok {
		t.KM = d.oneText(v, join(path, "km"))
	}
	return t
}

func (d *decoder) oneText(n *yaml.Node, path string) string {
	s, ok := d.text(n, path)
	if !ok {
		return ""
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	switch {
	case s == "":
		d.fail(n, path, "empty; write the name")
	case strings.ContainsFunc(s, unicode.IsControl):
		d.fail(n, path, "contains a line break or control character; write the name on one line")
	case utf8.RuneCountInString(s) > maxText:
		d.fail(n, path, "%d characters is too long; at most %d", utf8.RuneCountInString(s), maxText)
	}
	return s
}

// list returns the items of a list, or nil after recording a mistake.
func (d *decoder) list(n *yaml.Node, path, what string) []*yaml.Node {
	if !d.kind(n, path, yaml.SequenceNode, what) {
		return nil
	}
	return n.Content
}

// seen remembers the ids of one kind and where each was first given.
type seen struct {
	what  string // "service"
	lines map[string]int
	order []string
	// bad holds ids given but not valid, and unread is set when the whole
	// list could not be read: references to them were reported already, at
	// their source, and are not reported again as unknown.
	bad    map[string]bool
	unread bool
}

func newSeen(what string) *seen {
	return &seen{what: what, lines: map[string]int{}, bad: map[string]bool{}}
}

// add records id, or a mistake if it was given before.
func (s *seen) add(d *decoder, n *yaml.Node, path, id string) bool {
	if line, dup := s.lines[id]; dup {
		d.fail(n, path, "duplicate %s id %q (first on line %d); ids must be unique", s.what, id, line)
		return false
	}
	s.lines[id] = n.Line
	s.order = append(s.order, id)
	return true
}

// known checks that id was added, with a message listing the ids there are.
func (s *seen) known(d *decoder, n *yaml.Node, path, id string) bool {
	if _, ok := s.lines[id]; ok {
		return true
	}
	if s.bad[id] || s.unread {
		return false
	}
	known := s.order
	if len(known) > maxKnown {
		known = append(known[:maxKnown:maxKnown], "...")
	}
	d.fail(n, path, "unknown %s %q; known: %s", s.what, id, strings.Join(known, ", "))
	return false
}

// centre reads the whole file from its top mapping.
func (d *decoder) centre(root *yaml.Node) *Centre {
	c := &Centre{}
	top := d.fields(root, "", "the sections of a configuration", topFields)

	if n := d.require(top, root, "", "centre", "give the centre's id and name"); n != nil {
		d.centreSection(n, c)
	}
	c.Rules.PriorityMaxInRow = DefaultPriorityMaxInRow
	c.Rules.HoldFor = DefaultHoldFor
	if n, ok := top["rules"]; ok {
		if f := d.fields(n, "rules", "the rules' fields", rulesFields); f != nil {
			if v, ok := f["priority_max_in_row"]; ok {
				c.Rules.PriorityMaxInRow, _ = d.number(v, "rules.priority_max_in_row", 0, MaxPriorityMaxInRow)
			}
			if v, ok := f["hold_for"]; ok {
				c.Rules.HoldFor = d.holdFor(v, "rules.hold_for")
			}
		}
	}

	services := newSeen("service")
	serviceNodes := d.services(top, root, c, services)
	counters := newSeen("counter")
	served := d.counters(top, root, c, services, counters)
	for i, s := range c.Services {
		if s.ID != "" && !served[s.ID] && !counters.unread {
			d.fail(serviceNodes[i], index("services", i), "service %q is served by no counter; add it to a counter's services", s.ID)
		}
	}

	if n := d.require(top, root, "", "controller", "give the controller's MQTT username and password"); n != nil {
		if f := d.fields(n, "controller", "the fields username and password", controllerFields); f != nil {
			if v := d.require(f, n, "controller", "username", "the controller's MQTT username"); v != nil {
				c.Controller.Username, _ = d.id(v, "controller.username")
			}
			if v := d.require(f, n, "controller", "password", "the controller's MQTT password"); v != nil {
				c.Controller.Password = d.password(v, "controller.password")
			}
		}
	}
	d.devices(top, root, c, services, counters)
	d.users(top, c, counters)
	return c
}

// users reads the people who sign in to the centre's web pages. The section
// is optional: without it, nobody can sign in.
func (d *decoder) users(top map[string]*yaml.Node, c *Centre, counters *seen) {
	if n, ok := top["users"]; ok {
		c.Users = d.userList(n, roles, counters)
	}
}

// userList reads a users: list whose roles are among allowed; counters
// are the counters staff may work at (nil where there is no staff).
func (d *decoder) userList(n *yaml.Node, allowed []string, counters *seen) []User {
	var users []User
	names := newSeen("user")
	for i, item := range d.list(n, "users", "a list of users, each starting with \"- name:\"") {
		path := index("users", i)
		f := d.fields(item, path, "a user's fields (name, role, password_hash, ...)", userFields)
		if f == nil {
			continue
		}
		u := User{}
		if v := d.require(f, item, path, "name", "the name they sign in with, like lan"); v != nil {
			if name, ok := d.id(v, join(path, "name")); ok && names.add(d, v, join(path, "name"), name) {
				u.Name = name
			}
		}
		if v, ok := f["full_name"]; ok {
			u.FullName = d.oneText(v, join(path, "full_name"))
		}
		if v := d.require(f, item, path, "role", "one of "+strings.Join(allowed, ", ")); v != nil {
			if r, ok := d.text(v, join(path, "role")); ok {
				if slices.Contains(allowed, r) {
					u.Role = Role(r)
				} else {
					hint := ""
					if guess := suggest(r, allowed); guess != "" {
						hint = fmt.Sprintf(" did you mean %q?", guess)
					}
					d.fail(v, join(path, "role"), "unknown role %q;%s expected one of: %s", r, hint, strings.Join(allowed, ", "))
				}
			}
		}
		switch {
		case u.Role == RoleStaff:
			if v := d.require(f, item, path, "counter", "the id of the counter this staff member works at"); v != nil {
				if k, ok := d.text(v, join(path, "counter")); ok && counters.known(d, v, join(path, "counter"), k) {
					u.Counter = k
				}
			}
		case u.Role != "":
			if v, ok := f["counter"]; ok {
				d.fail(v, join(path, "counter"), "only staff work at a counter; remove it from this %s", u.Role)
			}
		}
		if v := d.require(f, item, path, "password_hash", "make one with: controller -hash-password"); v != nil {
			if h, ok := d.text(v, join(path, "password_hash")); ok {
				if _, err := bcrypt.Cost([]byte(h)); err != nil {
					d.fail(v, join(path, "password_hash"), "not a bcrypt hash (it starts with $2a$ or $2b$); make one with: controller -hash-password")
				} else {
					u.PasswordHash = h
				}
			}
		}
		users = append(users, u)
	}
	return users
}

func (d *decoder) centreSection(n *yaml.Node, c *Centre) {
	f := d.fields(n, "centre", "the centre's fields", centreFields)
	if f == nil {
		return
	}
	c.ID, c.Name = d.identity(f, n, "centre", "ninh-kieu", "the centre's")
	c.Timezone = DefaultTimezone
	v, ok := f["timezone"]
	if !ok {
		c.Location = vietnam
		return
	}
	tz, ok := d.text(v, "centre.timezone")
	if !ok {
		return
	}
	c.Timezone = tz
	if tz == "" || tz == "Local" {
		d.fail(v, "centre.timezone", "%q depends on the machine's settings; name the zone, like %s", tz, DefaultTimezone)
		return
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		d.fail(v, "centre.timezone", "unknown time zone %q; use a zone name like %s", tz, DefaultTimezone)
		return
	}
	c.Location = loc
}

// identity reads the required id and name of the centre's or the city's
// section; whose names it in the hint for a missing name.
func (d *decoder) identity(f map[string]*yaml.Node, n *yaml.Node, section, example, whose string) (id string, name Text) {
	if v := d.require(f, n, section, "id", "a short id like "+example); v != nil {
		id, _ = d.id(v, section+".id")
	}
	if v := d.require(f, n, section, "name", whose+" name, {vi: \"...\", en: \"...\"}"); v != nil {
		name = d.name(v, section+".name")
	}
	return id, name
}

// section reads the top-level list name, of at least one item (one), and
// returns its items. While the list cannot be read whole, ids is marked
// unread, so that ids of it used elsewhere are not also reported unknown.
func (d *decoder) section(top map[string]*yaml.Node, root *yaml.Node, ids *seen, name, hint, one string) []*yaml.Node {
	n := d.require(top, root, "", name, hint)
	if n == nil || n.Kind != yaml.SequenceNode {
		ids.unread = true
	}
	if n == nil {
		return nil
	}
	items := d.list(n, name, "a list of "+name+", each starting with \"- id:\"")
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		d.fail(n, name, "empty; list at least one %s", one)
		ids.unread = true
	}
	return items
}

// itemID reads the required id of a list's item at path, unique among
// ids; "" when it is missing, malformed or taken.
func (d *decoder) itemID(f map[string]*yaml.Node, item *yaml.Node, path, hint string, ids *seen) string {
	v := d.require(f, item, path, "id", hint)
	if v == nil {
		return ""
	}
	id, ok := d.id(v, join(path, "id"))
	if !ok {
		ids.bad[id] = true
		return ""
	}
	if !ids.add(d, v, join(path, "id"), id) {
		return ""
	}
	return id
}

// services reads the services and returns the node of each.
func (d *decoder) services(top map[string]*yaml.Node, root *yaml.Node, c *Centre, ids *seen) []*yaml.Node {
	items := d.section(top, root, ids, "services", "list the centre's services", "service")
	prefixes := prefixSet{whole: map[string]prefixAt{}, starts: map[string]prefixAt{}}
	for i, item := range items {
		path := index("services", i)
		s := Service{Width: DefaultWidth}
		f := d.fields(item, path, "a service's fields (id, prefix, name, ...)", serviceFields)
		if f != nil {
			s.ID = d.itemID(f, item, path, "a short id like A", ids)
			if v := d.require(f, item, path, "prefix", "1 to 3 letters or digits that start its ticket numbers, like A"); v != nil {
				if p, ok := d.text(v, join(path, "prefix")); ok {
					if prefixPattern.MatchString(p) {
						s.Prefix = p
						prefixes.add(d, v, i, p)
					} else {
						d.fail(v, join(path, "prefix"), "%q: use 1 to 3 letters (without accents) or digits, like A or 1", p)
					}
				}
			}
			if v, ok := f["width"]; ok {
				s.Width, _ = d.number(v, join(path, "width"), 1, MaxWidth)
			}
			if v := d.require(f, item, path, "name", "its name, {vi: \"...\", en: \"...\"}"); v != nil {
				s.Name = d.name(v, join(path, "name"))
			}
			if v := d.require(f, item, path, "target_wait", "the wait the centre aims for, like 20m"); v != nil {
				s.TargetWait = d.duration(v, join(path, "target_wait"))
			}
			if v := d.require(f, item, path, "mean_service", "the time one citizen takes at the counter, like 8m"); v != nil {
				s.MeanService = d.duration(v, join(path, "mean_service"))
			}
		}
		c.Services = append(c.Services, s)
	}
	return items
}

// prefixSet checks the services' prefixes. Ticket numbers are the prefix
// and digits, read out loud: prefixes that differ only in case, or where one
// starts another, could give one number to two services or numbers citizens
// confuse.
type prefixSet struct {
	whole  map[string]prefixAt // upper-case prefix: its first service
	starts map[string]prefixAt // upper-case start of a prefix: its first service
}

type prefixAt struct {
	prefix string
	i      int
	line   int
}

func (ps prefixSet) add(d *decoder, n *yaml.Node, i int, prefix string) {
	up := strings.ToUpper(prefix)
	path := join(index("services", i), "prefix")
	collide := func(a prefixAt) {
		d.fail(n, path, "%q and the prefix %q of services[%d] (line %d) start alike, so ticket numbers could collide; no prefix may start another", prefix, a.prefix, a.i, a.line)
	}
	if a, dup := ps.whole[up]; dup {
		d.fail(n, path, "%q is already the prefix of services[%d] (line %d); prefixes must differ", prefix, a.i, a.line)
		return
	}
	for k := 1; k < len(up); k++ {
		if a, ok := ps.whole[up[:k]]; ok {
			collide(a)
			return
		}
	}
	if a, ok := ps.starts[up]; ok {
		collide(a)
		return
	}
	at := prefixAt{prefix, i, n.Line}
	ps.whole[up] = at
	for k := 1; k < len(up); k++ {
		if _, ok := ps.starts[up[:k]]; !ok {
			ps.starts[up[:k]] = at
		}
	}
}

// counters reads the counters and returns the services some counter serves.
func (d *decoder) counters(top map[string]*yaml.Node, root *yaml.Node, c *Centre, services, ids *seen) map[string]bool {
	served := map[string]bool{}
	items := d.section(top, root, ids, "counters", "list the centre's counters and the services each serves", "counter")
	for i, item := range items {
		path := index("counters", i)
		k := Counter{}
		f := d.fields(item, path, "a counter's fields (id, name, services)", counterFields)
		if f != nil {
			k.ID = d.itemID(f, item, path, "a short id like \"1\"", ids)
			if v := d.require(f, item, path, "name", "its name, {vi: \"Quầy 1\", en: \"Counter 1\"}"); v != nil {
				k.Name = d.name(v, join(path, "name"))
			}
			if v := d.require(f, item, path, "services", "list the services it serves, like - {service: A, level: 1}"); v != nil {
				k.Services = d.skills(v, join(path, "services"), services, served)
			}
		}
		c.Counters = append(c.Counters, k)
	}
	return served
}

func (d *decoder) skills(n *yaml.Node, path string, services *seen, served map[string]bool) []Skill {
	items := d.list(n, path, "a list like - {service: A, level: 1}")
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		d.fail(n, path, "empty; a counter serves at least one service")
	}
	var skills []Skill
	first := map[string]int{}
	for i, item := range items {
		p := index(path, i)
		f := d.fields(item, p, "a service and its level, like {service: A, level: 1}", skillFields)
		if f == nil {
			continue
		}
		sk := Skill{Level: 1}
		if v := d.require(f, item, p, "service", "the id of a service"); v != nil {
			if id, ok := d.text(v, join(p, "service")); ok && services.known(d, v, join(p, "service"), id) {
				if line, dup := first[id]; dup {
					d.fail(v, join(p, "service"), "service %q is listed twice for this counter (first on line %d); keep one", id, line)
				} else {
					first[id] = v.Line
					sk.Service = id
					served[id] = true
				}
			}
		}
		if v, ok := f["level"]; ok {
			sk.Level, _ = d.number(v, join(p, "level"), 1, MaxLevel)
		}
		skills = append(skills, sk)
	}
	return skills
}

func (d *decoder) devices(top map[string]*yaml.Node, root *yaml.Node, c *Centre, services, counters *seen) {
	n := d.require(top, root, "", "devices", "list the kiosks, counter terminals and boards (or write devices: [])")
	if n == nil {
		return
	}
	list := &deviceList{
		controller: c.Controller.Username,
		ids:        newSeen("device"),
		services:   services,
		counters:   counters,
		terminals:  map[string]string{},
		blocks:     map[Block]string{},
	}
	for i, item := range d.list(n, "devices", "a list of devices, each starting with \"- id:\"") {
		c.Devices = append(c.Devices, d.device(item, index("devices", i), list))
	}
}

// deviceList is what the devices of the list must not share or must name.
type deviceList struct {
	controller         string // the controller's username, which no device may take
	ids                *seen
	services, counters *seen
	terminals          map[string]string // counter id: path of its terminal
	blocks             map[Block]string  // offline blocks taken: path of their kiosk
}

// kindFields are the fields only one kind of device has, with the refusal
// of each on another kind.
var kindFields = []struct {
	field, refusal string
	kind           protocol.DeviceKind
}{
	{"counter", "only counter terminals belong to a counter; remove it from this %s", protocol.DeviceCounter},
	{"buttons", "only kiosks have buttons; remove them from this %s", protocol.DeviceKiosk},
	{"offline", "only kiosks issue tickets offline; remove it from this %s", protocol.DeviceKiosk},
}

// device reads the device at path.
func (d *decoder) device(item *yaml.Node, path string, list *deviceList) Device {
	dev := Device{}
	f := d.fields(item, path, "a device's fields (id, kind, password, ...)", deviceFields)
	if f == nil {
		return dev
	}
	if v := d.require(f, item, path, "id", "a short id like kiosk-1"); v != nil {
		if id, ok := d.id(v, join(path, "id")); ok && list.ids.add(d, v, join(path, "id"), id) {
			if id == list.controller {
				d.fail(v, join(path, "id"), "%q is the controller's username; give the device another id", id)
			}
			dev.ID = id
		}
	}
	if v := d.require(f, item, path, "password", "its MQTT password, at least 8 characters"); v != nil {
		dev.Password = d.password(v, join(path, "password"))
	}
	if v := d.require(f, item, path, "kind", "one of "+strings.Join(kinds, ", ")); v != nil {
		dev.Kind = d.deviceKind(v, join(path, "kind"))
	}
	for _, only := range kindFields {
		if v, ok := f[only.field]; ok && dev.Kind != "" && dev.Kind != only.kind {
			d.fail(v, join(path, only.field), only.refusal, dev.Kind)
		}
	}
	switch dev.Kind {
	case protocol.DeviceCounter:
		dev.Counter = d.terminalCounter(f, item, path, list)
	case protocol.DeviceKiosk:
		dev.Buttons, dev.Offline = d.kiosk(f, item, path, list)
	}
	return dev
}

// deviceKind reads a device's kind, "" when it is not one.
func (d *decoder) deviceKind(v *yaml.Node, path string) protocol.DeviceKind {
	k, ok := d.text(v, path)
	if !ok {
		return ""
	}
	if slices.Contains(kinds, k) {
		return protocol.DeviceKind(k)
	}
	hint := ""
	if guess := suggest(k, kinds); guess != "" {
		hint = fmt.Sprintf(" did you mean %q?", guess)
	}
	d.fail(v, path, "unknown kind %q;%s expected one of: %s", k, hint, strings.Join(kinds, ", "))
	return ""
}

// terminalCounter reads the counter a counter terminal sits at: one
// terminal per counter.
func (d *decoder) terminalCounter(f map[string]*yaml.Node, item *yaml.Node, path string, list *deviceList) string {
	v := d.require(f, item, path, "counter", "the id of the counter this terminal sits at")
	if v == nil {
		return ""
	}
	k, ok := d.text(v, join(path, "counter"))
	if !ok || !list.counters.known(d, v, join(path, "counter"), k) {
		return ""
	}
	if other, dup := list.terminals[k]; dup {
		d.fail(v, join(path, "counter"), "counter %q already has the terminal %s; one terminal per counter", k, other)
	} else {
		list.terminals[k] = fmt.Sprintf("%s (line %d)", path, v.Line)
	}
	return k
}

// kiosk reads a kiosk's buttons, each a service once, and its block of
// numbers for offline use.
func (d *decoder) kiosk(f map[string]*yaml.Node, item *yaml.Node, path string, list *deviceList) ([]string, *Block) {
	v := d.require(f, item, path, "buttons", "the services it offers, like [A, B, C]")
	if v == nil {
		return nil, nil
	}
	bp := join(path, "buttons")
	var buttons []string
	items := d.list(v, bp, "a list of service ids, like [A, B, C]")
	if v.Kind == yaml.SequenceNode && len(items) == 0 {
		d.fail(v, bp, "empty; a kiosk offers at least one service")
	}
	for j, b := range items {
		p := index(bp, j)
		if id, ok := d.text(b, p); ok && list.services.known(d, b, p, id) {
			if slices.Contains(buttons, id) {
				d.fail(b, p, "service %q has a button already; keep one", id)
				continue
			}
			buttons = append(buttons, id)
		}
	}
	var offline *Block
	if v, ok := f["offline"]; ok {
		offline = d.offline(v, join(path, "offline"), list.blocks)
	}
	return buttons, offline
}

// offline reads a kiosk's block of numbers for offline use, {from: 900,
// to: 949}, which must not overlap another kiosk's.
func (d *decoder) offline(n *yaml.Node, path string, taken map[Block]string) *Block {
	f := d.fields(n, path, "a block of running numbers like {from: 900, to: 949}", []string{"from", "to"})
	if f == nil {
		return nil
	}
	var b Block
	complete := true
	for _, end := range []struct {
		name string
		dst  *int
	}{{"from", &b.From}, {"to", &b.To}} {
		v := d.require(f, n, path, end.name, "a running number like 900")
		if v == nil {
			complete = false
			continue
		}
		num, ok := d.number(v, join(path, end.name), 1, MaxOfflineNumber)
		if !ok {
			complete = false
			continue
		}
		*end.dst = num
	}
	if !complete {
		return nil
	}
	if b.From > b.To {
		d.fail(n, path, "from %d is after to %d", b.From, b.To)
		return nil
	}
	for other, where := range taken {
		if b.From <= other.To && other.From <= b.To {
			d.fail(n, path, "%d-%d overlaps %d-%d of %s; each kiosk needs its own block", b.From, b.To, other.From, other.To, where)
			return nil
		}
	}
	taken[b] = fmt.Sprintf("%s (line %d)", strings.TrimSuffix(path, ".offline"), n.Line)
	return &b
}
