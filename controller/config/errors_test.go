package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// base is a small valid file; each case below breaks it in one way. The
// line numbers in the cases refer to it.
const base = `centre:
  id: test
  name: {vi: "Trung tâm thử", en: "Test centre"}
rules:
  priority_max_in_row: 2
services:
  - id: A
    prefix: A
    name: {vi: "Đất đai", en: "Land"}
    target_wait: 20m
    mean_service: 12m
  - id: B
    prefix: B
    name: {vi: "Hộ tịch"}
    target_wait: 15m
    mean_service: 6m
counters:
  - id: "1"
    name: {vi: "Quầy 1"}
    services:
      - {service: A, level: 1}
      - {service: B, level: 2}
  - id: "2"
    name: {vi: "Quầy 2"}
    services:
      - {service: B, level: 1}
devices:
  - {id: kiosk-1, kind: kiosk, password: "kiosk-secret", buttons: [A, B]}
  - {id: counter-1, kind: counter, counter: "1", password: "counter-secret"}
  - {id: board-1, kind: board, password: "board-secret"}
controller:
  username: controller
  password: "controller-secret"
`

// hashLan is a bcrypt hash, of "doi-mat-khau-lan".
const hashLan = "$2a$10$iiyxICJXZpeJVIn6mr05zuOQWxy6cLqhknhv.rh59elFIVgH4NnVC"

// edit returns base with each old text replaced by the new one that follows
// it; each old text must occur exactly once.
func edit(t testing.TB, pairs ...string) string {
	t.Helper()
	s := base
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times in base", pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestBaseIsValid(t *testing.T) {
	c, err := Parse("centre.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Services) != 2 || len(c.Counters) != 2 || len(c.Devices) != 3 {
		t.Fatalf("got %d services, %d counters, %d devices", len(c.Services), len(c.Counters), len(c.Devices))
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		file string
		line int      // of the first mistake
		want []string // in the first mistake's message
		err  error    // sentinel
		only bool     // the mistake is reported once, with nothing after it
	}{
		// Fields.
		{"unknown top-level field", edit(t, "\nservices:", "\nservces:"), 6,
			[]string{`unknown field "servces" at top level`, `did you mean "services"?`, "expected one of: centre, rules, services, counters, devices, controller, users"}, ErrInvalid, true},
		{"unknown field", edit(t, "    prefix: A\n", "    prefx: A\n"), 8,
			[]string{`services[0]: unknown field "prefx"`, "expected one of: id, prefix, width, name, target_wait, mean_service"}, ErrInvalid, true},
		{"field given twice", edit(t, "    prefix: A\n", "    prefix: A\n    prefix: C\n"), 9,
			[]string{"services[0].prefix: given twice (first on line 8)"}, ErrInvalid, true},
		{"missing field", edit(t, "    prefix: B\n", ""), 12,
			[]string{"services[1].prefix: missing", "1 to 3 letters or digits"}, ErrInvalid, true},
		{"missing section", edit(t, "controller:\n  username: controller\n  password: \"controller-secret\"\n", ""), 1,
			[]string{"controller: missing", "username and password"}, ErrInvalid, true},
		{"empty value is missing", edit(t, `  password: "controller-secret"`, `  password:`), 33,
			[]string{"controller.password: empty; the controller's MQTT password"}, ErrInvalid, true},
		{"fields expected", edit(t, "rules:\n  priority_max_in_row: 2\n", "rules: 2\n"), 4,
			[]string{"rules: expected the rules' fields, found \"2\""}, ErrInvalid, true},
		{"value expected", edit(t, "priority_max_in_row: 2", "priority_max_in_row: [2]"), 5,
			[]string{"rules.priority_max_in_row: expected a value, found a list"}, ErrInvalid, true},
		{"list expected", edit(t, "buttons: [A, B]", "buttons: A"), 28,
			[]string{"devices[0].buttons: expected a list of service ids", `found "A"`}, ErrInvalid, true},
		{"alias", edit(t, "target_wait: 20m", "target_wait: &t 20m", "target_wait: 15m", "target_wait: *t"), 15,
			[]string{"services[1].target_wait: aliases (*t) are not used"}, ErrInvalid, true},

		// Ids.
		{"bad id", edit(t, "id: kiosk-1", "id: kiosk 1"), 28,
			[]string{`devices[0].id: "kiosk 1" is not an id`, "letters", "digits, '-' or '_'"}, ErrInvalid, true},
		{"id with accents", edit(t, "id: test", "id: cần-thơ"), 2,
			[]string{`centre.id: "cần-thơ" is not an id`, "without accents"}, ErrInvalid, true},
		{"duplicate service id", edit(t, "  - id: B\n", "  - id: A\n"), 12,
			[]string{`services[1].id: duplicate service id "A" (first on line 7)`}, ErrInvalid, false},
		{"duplicate counter id", edit(t, `  - id: "2"`, `  - id: "1"`), 23,
			[]string{`counters[1].id: duplicate counter id "1" (first on line 18)`}, ErrInvalid, true},
		{"duplicate device id", edit(t, "id: board-1", "id: kiosk-1"), 30,
			[]string{`devices[2].id: duplicate device id "kiosk-1" (first on line 28)`}, ErrInvalid, true},
		{"device named like the controller", edit(t, "id: board-1", "id: controller"), 30,
			[]string{`devices[2].id: "controller" is the controller's username`}, ErrInvalid, true},

		// Services.
		{"prefix characters", edit(t, "prefix: B", "prefix: B-1"), 13,
			[]string{`services[1].prefix: "B-1": use 1 to 3 letters`}, ErrInvalid, true},
		{"prefix too long", edit(t, "prefix: B", "prefix: BCDE"), 13,
			[]string{`services[1].prefix: "BCDE": use 1 to 3 letters`}, ErrInvalid, true},
		{"prefix twice", edit(t, "prefix: B", "prefix: a"), 13,
			[]string{`services[1].prefix: "a" is already the prefix of services[0] (line 8)`}, ErrInvalid, true},
		{"prefix starts another", edit(t, "prefix: B", "prefix: A1"), 13,
			[]string{`services[1].prefix: "A1" and the prefix "A" of services[0] (line 8) start alike`, "collide"}, ErrInvalid, true},
		{"width out of range", edit(t, "    prefix: A\n", "    prefix: A\n    width: 7\n"), 9,
			[]string{"services[0].width: 7 is out of range; expected 1 to 6"}, ErrInvalid, true},
		{"width not a number", edit(t, "    prefix: A\n", "    prefix: A\n    width: three\n"), 9,
			[]string{`services[0].width: "three" is not a whole number; expected 1 to 6`}, ErrInvalid, true},
		{"not a duration", edit(t, "target_wait: 20m", "target_wait: 20 phút"), 10,
			[]string{`services[0].target_wait: "20 phút" is not a duration; write it like 20m or 1h30m`}, ErrInvalid, true},
		{"duration without unit", edit(t, "target_wait: 20m", "target_wait: 20"), 10,
			[]string{`services[0].target_wait: "20" is not a duration`}, ErrInvalid, true},
		{"zero duration", edit(t, "mean_service: 6m", "mean_service: 0s"), 16,
			[]string{`services[1].mean_service: "0s" must be more than zero`}, ErrInvalid, true},
		{"negative duration", edit(t, "mean_service: 6m", "mean_service: -6m"), 16,
			[]string{`services[1].mean_service: "-6m" must be more than zero`}, ErrInvalid, true},
		{"duration over a day", edit(t, "target_wait: 20m", "target_wait: 25h"), 10,
			[]string{`services[0].target_wait: "25h" is more than a day`}, ErrInvalid, true},
		{"served by no counter", edit(t, "      - {service: B, level: 2}\n", "", "{service: B, level: 1}", "{service: A, level: 1}"), 12,
			[]string{`services[1]: service "B" is served by no counter`}, ErrInvalid, true},
		{"no services", edit(t, "\nservices:\n", "\nservices: []\n", "  - id: A\n    prefix: A\n    name: {vi: \"Đất đai\", en: \"Land\"}\n    target_wait: 20m\n    mean_service: 12m\n  - id: B\n    prefix: B\n    name: {vi: \"Hộ tịch\"}\n    target_wait: 15m\n    mean_service: 6m\n", ""), 6,
			[]string{"services: empty; list at least one service"}, ErrInvalid, true},

		// Names.
		{"name without Vietnamese", edit(t, `name: {vi: "Hộ tịch"}`, `name: {en: "Civil status"}`), 14,
			[]string{"services[1].name.vi: missing", "Vietnamese"}, ErrInvalid, true},
		{"empty name", edit(t, `name: {vi: "Hộ tịch"}`, `name: {vi: "  "}`), 14,
			[]string{"services[1].name.vi: empty"}, ErrInvalid, true},
		{"name over two lines", edit(t, `{vi: "Quầy 1"}`, `{vi: "Quầy\n1"}`), 19,
			[]string{"counters[0].name.vi: contains a line break"}, ErrInvalid, true},
		{"unknown language", edit(t, `{vi: "Quầy 1"}`, `{vi: "Quầy 1", fr: "Guichet 1"}`), 19,
			[]string{`counters[0].name: unknown field "fr"`, "expected one of: vi, en, km"}, ErrInvalid, true},

		// Rules and centre.
		{"priority out of range", edit(t, "priority_max_in_row: 2", "priority_max_in_row: 11"), 5,
			[]string{"rules.priority_max_in_row: 11 is out of range; expected 0 to 10"}, ErrInvalid, true},
		{"hold too short", edit(t, "priority_max_in_row: 2\n", "priority_max_in_row: 2\n  hold_for: 10s\n"), 6,
			[]string{"rules.hold_for: 10s is out of range; expected 30s to 2h0m0s"}, ErrInvalid, true},
		{"hold not a duration", edit(t, "priority_max_in_row: 2\n", "priority_max_in_row: 2\n  hold_for: ten\n"), 6,
			[]string{`rules.hold_for: "ten" is not a duration`}, ErrInvalid, true},
		{"unknown time zone", edit(t, "  id: test\n", "  id: test\n  timezone: Asia/Hanoi\n"), 3,
			[]string{`centre.timezone: unknown time zone "Asia/Hanoi"`, "Asia/Ho_Chi_Minh"}, ErrInvalid, true},
		{"machine time zone", edit(t, "  id: test\n", "  id: test\n  timezone: Local\n"), 3,
			[]string{`centre.timezone: "Local" depends on the machine's settings`}, ErrInvalid, true},

		// Counters.
		{"unknown service at a counter", edit(t, "{service: B, level: 1}", "{service: G, level: 1}"), 26,
			[]string{`counters[1].services[0].service: unknown service "G"; known: A, B`}, ErrInvalid, true},
		{"service twice at a counter", edit(t, "{service: B, level: 2}", "{service: A, level: 2}"), 22,
			[]string{`counters[0].services[1].service: service "A" is listed twice for this counter (first on line 21)`}, ErrInvalid, true},
		{"level out of range", edit(t, "{service: B, level: 2}", "{service: B, level: 10}"), 22,
			[]string{"counters[0].services[1].level: 10 is out of range; expected 1 to 9"}, ErrInvalid, true},
		{"level zero", edit(t, "{service: B, level: 2}", "{service: B, level: 0}"), 22,
			[]string{"counters[0].services[1].level: 0 is out of range; expected 1 to 9"}, ErrInvalid, true},
		{"counter without services", edit(t, "services:\n      - {service: B, level: 1}\n", "services: []\n"), 25,
			[]string{"counters[1].services: empty"}, ErrInvalid, false},

		// Devices.
		{"unknown kind", edit(t, "kind: board", "kind: bord"), 30,
			[]string{`devices[2].kind: unknown kind "bord"; did you mean "board"? expected one of: kiosk, counter, board`}, ErrInvalid, true},
		{"terminal of an unknown counter", edit(t, `counter: "1"`, `counter: "9"`), 29,
			[]string{`devices[1].counter: unknown counter "9"; known: 1, 2`}, ErrInvalid, true},
		{"terminal without counter", edit(t, `counter: "1", `, ``), 29,
			[]string{"devices[1].counter: missing", "the counter this terminal sits at"}, ErrInvalid, true},
		{"two terminals at one counter", edit(t, "  - {id: board-1", "  - {id: counter-1b, kind: counter, counter: \"1\", password: \"counter-secret\"}\n  - {id: board-1"), 30,
			[]string{`devices[2].counter: counter "1" already has the terminal devices[1] (line 29)`}, ErrInvalid, true},
		{"counter on a kiosk", edit(t, "kind: kiosk,", `kind: kiosk, counter: "1",`), 28,
			[]string{"devices[0].counter: only counter terminals belong to a counter; remove it from this kiosk"}, ErrInvalid, true},
		{"offline block on a board", edit(t, "kind: board,", "kind: board, offline: {from: 900, to: 999},"), 30,
			[]string{"devices[2].offline: only kiosks issue tickets offline; remove it from this board"}, ErrInvalid, true},
		{"offline block backwards", edit(t, "buttons: [A, B]}", "buttons: [A, B], offline: {from: 950, to: 900}}"), 28,
			[]string{"devices[0].offline: from 950 is after to 900"}, ErrInvalid, true},
		{"offline block without its end", edit(t, "buttons: [A, B]}", "buttons: [A, B], offline: {from: 950}}"), 28,
			[]string{"devices[0].offline.to: missing"}, ErrInvalid, true},
		{"offline blocks overlap", edit(t, "buttons: [A, B]}", "buttons: [A, B], offline: {from: 900, to: 949}}\n  - {id: kiosk-2, kind: kiosk, password: \"kiosk-secret\", buttons: [A], offline: {from: 940, to: 999}}"), 29,
			[]string{"devices[1].offline: 940-999 overlaps 900-949 of devices[0] (line 28)", "each kiosk needs its own block"}, ErrInvalid, true},
		{"buttons on a board", edit(t, "kind: board,", "kind: board, buttons: [A],"), 30,
			[]string{"devices[2].buttons: only kiosks have buttons; remove them from this board"}, ErrInvalid, true},
		{"button of an unknown service", edit(t, "buttons: [A, B]", "buttons: [A, X]"), 28,
			[]string{`devices[0].buttons[1]: unknown service "X"; known: A, B`}, ErrInvalid, true},
		{"button twice", edit(t, "buttons: [A, B]", "buttons: [A, B, A]"), 28,
			[]string{`devices[0].buttons[2]: service "A" has a button already`}, ErrInvalid, true},
		{"kiosk without buttons", edit(t, `, buttons: [A, B]`, ``), 28,
			[]string{"devices[0].buttons: missing"}, ErrInvalid, true},
		{"short password", edit(t, `"board-secret"`, `"board"`), 30,
			[]string{"devices[2].password: too short (5 characters); use at least 8"}, ErrInvalid, true},
		{"missing password", edit(t, `, password: "board-secret"`, ``), 30,
			[]string{"devices[2].password: missing", "at least 8 characters"}, ErrInvalid, true},

		// Users of the web pages (lines 35 on).
		{"user with unknown role", base + "users:\n  - {name: lan, role: staf, counter: \"1\", password_hash: \"" + hashLan + "\"}\n", 35,
			[]string{`users[0].role: unknown role "staf"`, `did you mean "staff"?`}, ErrInvalid, false},
		{"staff without counter", base + "users:\n  - {name: lan, role: staff, password_hash: \"" + hashLan + "\"}\n", 35,
			[]string{"users[0].counter: missing", "the counter this staff member works at"}, ErrInvalid, true},
		{"staff at unknown counter", base + "users:\n  - {name: lan, role: staff, counter: \"9\", password_hash: \"" + hashLan + "\"}\n", 35,
			[]string{`users[0].counter: unknown counter "9"; known: 1, 2`}, ErrInvalid, true},
		{"manager at a counter", base + "users:\n  - {name: hoa, role: manager, counter: \"1\", password_hash: \"" + hashLan + "\"}\n", 35,
			[]string{"users[0].counter: only staff work at a counter"}, ErrInvalid, true},
		{"password instead of its hash", base + "users:\n  - {name: hoa, role: manager, password_hash: \"doi-mat-khau\"}\n", 35,
			[]string{"users[0].password_hash: not a bcrypt hash", "controller -hash-password"}, ErrInvalid, true},
		{"password field", base + "users:\n  - {name: hoa, role: manager, password: \"doi-mat-khau\"}\n", 35,
			[]string{`users[0]: unknown field "password"`, "expected one of: name, full_name, role, counter, password_hash"}, ErrInvalid, false},
		{"user twice", base + "users:\n  - {name: hoa, role: viewer, password_hash: \"" + hashLan + "\"}\n  - {name: hoa, role: viewer, password_hash: \"" + hashLan + "\"}\n", 36,
			[]string{`users[1].name: duplicate user id "hoa" (first on line 35)`}, ErrInvalid, true},

		// Whole files.
		{"empty file", "", 1, []string{"the file is empty", "centre, rules, services"}, ErrInvalid, true},
		{"only comments", "# cấu hình\n\n", 1, []string{"the file is empty"}, ErrInvalid, true},
		{"only a document marker", "---\n", 1, []string{"the file is empty"}, ErrInvalid, true},
		{"plain text", "Đây không phải là tệp cấu hình.\n", 1,
			[]string{"expected the sections centre", `found "Đây không phải`, "is this a configuration file?"}, ErrInvalid, true},
		{"a list", "- a\n- b\n", 1, []string{"expected the sections centre", "found a list"}, ErrInvalid, true},
		{"binary", "\x00\x01\x02PK\x03\x04", 1, []string{"control character", "UTF-8"}, ErrSyntax, true},
		{"not UTF-8", "centre:\n  name: {vi: \"Qu\xe2y 1\"}\n", 2, []string{"not UTF-8 text; save the file as UTF-8"}, ErrSyntax, true},
		{"tab", edit(t, "  id: test", "\tid: test"), 2, []string{"tab in the indentation; indent with spaces only"}, ErrSyntax, true},
		{"tab in a list", edit(t, "      - {service: B, level: 1}", "\t- {service: B, level: 1}"), 26, []string{"tab in the indentation"}, ErrSyntax, true},
		{"bad indentation", edit(t, "    prefix: B", "     prefix: B"), 13,
			[]string{"mapping values are not allowed in this context", "check the indentation"}, ErrSyntax, true},
		{"unclosed bracket", edit(t, "buttons: [A, B]}", "buttons: [A, B}"), 28,
			[]string{"did not find expected ',' or ']'"}, ErrSyntax, true},
		{"unclosed quote", edit(t, `  password: "controller-secret"`, `  password: "controller-secret`), 33,
			[]string{"the file ends inside a quoted or bracketed value"}, ErrSyntax, true},
		{"two documents", base + "---\ncentre: {}\n", 34,
			[]string{"a second YAML document starts here"}, ErrInvalid, true},
		{"too large", base + "#" + strings.Repeat("x", MaxSize), 0, []string{"too large"}, ErrInvalid, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("centre.yaml", []byte(tc.file))
			if err == nil {
				t.Fatalf("no error; centre %+v", c)
			}
			if c != nil {
				t.Errorf("a centre came with the error")
			}
			t.Log(err)
			var first *Error
			if !errors.As(err, &first) {
				t.Fatalf("error %v (%T) holds no *Error", err, err)
			}
			msg := first.Error()
			if first.Line != tc.line {
				t.Errorf("line %d, want %d:\n%v", first.Line, tc.line, err)
			}
			prefix := fmt.Sprintf("centre.yaml:%d: ", tc.line)
			if tc.line == 0 {
				prefix = "centre.yaml: "
			}
			if !strings.HasPrefix(msg, prefix) {
				t.Errorf("message %q does not start with %q", msg, prefix)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if tc.err != ErrNone && !errors.Is(err, tc.err) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.err)
			}
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrInvalid) {
				t.Errorf("error wraps neither sentinel: %v", err)
			}
			if l := err.(Errors); tc.only && len(l) != 1 {
				t.Errorf("%d mistakes reported, want 1:\n%v", len(l), err)
			}
		})
	}
}

// ErrNone marks a case that does not check the sentinel.
var ErrNone = errors.New("no sentinel checked")

func TestParseReportsEveryMistake(t *testing.T) {
	file := edit(t,
		"priority_max_in_row: 2", "priority_max_in_row: 20",
		"target_wait: 15m", "target_wait: 15 phút",
		"{service: B, level: 1}", "{service: G, level: 1}",
		"kind: board", "kind: bord",
	)
	_, err := Parse("centre.yaml", []byte(file))
	want := `centre.yaml:5: rules.priority_max_in_row: 20 is out of range; expected 0 to 10
centre.yaml:15: services[1].target_wait: "15 phút" is not a duration; write it like 20m or 1h30m
centre.yaml:26: counters[1].services[0].service: unknown service "G"; known: A, B
centre.yaml:30: devices[2].kind: unknown kind "bord"; did you mean "board"? expected one of: kiosk, counter, board`
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
	var l Errors
	if !errors.As(err, &l) || len(l) != 4 || !errors.Is(err, ErrInvalid) {
		t.Fatalf("errors.As/Is fail on %#v", err)
	}
}

func TestParseBoundsTheList(t *testing.T) {
	file := base
	for range 30 {
		file += "unknown: 1\n"
	}
	_, err := Parse("centre.yaml", []byte(file))
	l, ok := err.(Errors)
	if !ok || len(l) != maxErrors+1 || !strings.Contains(l[maxErrors].Msg, "more mistakes not listed") {
		t.Fatalf("got %v", err)
	}
}

func TestBrokenSectionIsReportedOnce(t *testing.T) {
	// With the services unreadable, the counters' and kiosks' references to
	// them are not reported as unknown as well.
	file := edit(t, "\nservices:\n  - id: A\n", "\nservices: A\nx:\n  - id: A\n")
	_, err := Parse("centre.yaml", []byte(file))
	if l, ok := err.(Errors); !ok || len(l) != 2 || strings.Contains(err.Error(), "unknown service") {
		t.Fatalf("got\n%v", err)
	}
	// Likewise with the counters unreadable: the terminals' counters are not
	// unknown, and the services are not served by no counter.
	file = edit(t, "\ncounters:\n", "\ncounters: 1\ny:\n")
	_, err = Parse("centre.yaml", []byte(file))
	if l, ok := err.(Errors); !ok || len(l) != 2 || strings.Contains(err.Error(), "unknown counter") || strings.Contains(err.Error(), "served by no counter") {
		t.Fatalf("got\n%v", err)
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ word, want string }{
		{"servces", "services"},
		{"Services", "services"},
		{"counter", "counters"},
		{"devises", "devices"},
		{"fr", ""},
		{"vn", "vi"},
		{"khmer", ""},
		{"colour", ""},
	} {
		if got := suggest(tc.word, slices.Concat(topFields, textFields)); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
