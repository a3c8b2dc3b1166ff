package config

import (
	"golang.org/x/crypto/bcrypt"

	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"

	"github.com/sothutu/sothutu/protocol"
)

func parseExample(t testing.TB) *Centre {
	t.Helper()
	c, err := Parse("example.yaml", Example())
	if err != nil {
		t.Fatalf("the example does not parse:\n%v", err)
	}
	return c
}

func TestExample(t *testing.T) {
	c := parseExample(t)
	if c.ID != "ninh-kieu" || c.Name.VI != "Trung tâm Phục vụ hành chính công phường Ninh Kiều" || c.Name.EN == "" {
		t.Errorf("centre %q %+v", c.ID, c.Name)
	}
	if c.Timezone != "Asia/Ho_Chi_Minh" || c.Location == nil || c.Location.String() != "Asia/Ho_Chi_Minh" {
		t.Errorf("timezone %q, location %v", c.Timezone, c.Location)
	}
	if c.Rules.PriorityMaxInRow != 2 {
		t.Errorf("priority_max_in_row %d", c.Rules.PriorityMaxInRow)
	}

	wantNames := map[string]string{"A": "Đất đai", "B": "Hộ tịch", "C": "Chứng thực",
		"D": "Đăng ký kinh doanh", "E": "Lý lịch tư pháp", "F": "Bảo hiểm xã hội"}
	if len(c.Services) != len(wantNames) {
		t.Fatalf("%d services, want %d", len(c.Services), len(wantNames))
	}
	var sum time.Duration
	for _, s := range c.Services {
		if s.Name.VI != wantNames[s.ID] || s.Name.EN == "" || s.Prefix != s.ID || s.Width != 3 {
			t.Errorf("service %+v", s)
		}
		if s.MeanService < 3*time.Minute || s.MeanService > 15*time.Minute {
			t.Errorf("service %s: mean service %v outside 3m-15m", s.ID, s.MeanService)
		}
		if s.TargetWait < 15*time.Minute || s.TargetWait > 30*time.Minute {
			t.Errorf("service %s: target wait %v outside 15m-30m", s.ID, s.TargetWait)
		}
		sum += s.MeanService
	}
	if mean := sum / time.Duration(len(c.Services)); mean < 7*time.Minute || mean > 9*time.Minute {
		t.Errorf("mix mean service %v, want about 8m", mean)
	}

	if len(c.Counters) != 8 {
		t.Fatalf("%d counters, want 8", len(c.Counters))
	}
	counters := map[string][]string{}
	for i, k := range c.Counters {
		if want := string(rune('1' + i)); k.ID != want || k.Name.VI != "Quầy "+want || k.Name.EN != "Counter "+want {
			t.Errorf("counter %d: %q %+v", i, k.ID, k.Name)
		}
		if len(k.Services) < 2 || len(k.Services) > 3 {
			t.Errorf("counter %s serves %d services, want 2 or 3", k.ID, len(k.Services))
		}
		for j, sk := range k.Services {
			if sk.Level != j+1 {
				t.Errorf("counter %s: %s at level %d, want %d", k.ID, sk.Service, sk.Level, j+1)
			}
			counters[sk.Service] = append(counters[sk.Service], k.ID)
		}
	}
	for _, s := range c.Services {
		if len(counters[s.ID]) < 2 {
			t.Errorf("service %s is served by %v, want two counters at least", s.ID, counters[s.ID])
		}
	}

	var kiosks, terminals, boards []string
	for _, d := range c.Devices {
		switch d.Kind {
		case protocol.DeviceKiosk:
			kiosks = append(kiosks, d.ID)
			if len(d.Buttons) == 0 {
				t.Errorf("kiosk %s has no buttons", d.ID)
			}
		case protocol.DeviceCounter:
			terminals = append(terminals, d.ID)
			if d.ID != "counter-"+d.Counter {
				t.Errorf("terminal %s is at counter %q", d.ID, d.Counter)
			}
		case protocol.DeviceBoard:
			boards = append(boards, d.ID)
		}
	}
	if !slices.Equal(kiosks, []string{"kiosk-1", "kiosk-2"}) || len(terminals) != 8 || !slices.Equal(boards, []string{"board-1"}) {
		t.Errorf("kiosks %v, terminals %v, boards %v", kiosks, terminals, boards)
	}
	if c.Controller.Username != "controller" {
		t.Errorf("controller %+v", c.Controller)
	}
	// Every password is a placeholder the technician must change.
	if got := c.UnchangedPasswords(); len(got) != 1+len(c.Devices)+len(c.Users) {
		t.Errorf("unchanged passwords %v", got)
	}
	if !strings.Contains(string(Example()), "CHANGE every") {
		t.Error("the example does not tell to change the passwords")
	}
}

// TestExampleUsers checks that the sample passwords the comments name are the
// ones hashed, so that the sample centre can be signed in to.
func TestExampleUsers(t *testing.T) {
	c := parseExample(t)
	want := map[string]Role{"quanly": RoleManager, "lan": RoleStaff, "minh": RoleStaff, "xem": RoleViewer}
	if len(c.Users) != len(want) {
		t.Fatalf("%d users, want %d", len(c.Users), len(want))
	}
	for name, role := range want {
		u, ok := c.User(name)
		if !ok || u.Role != role || u.FullName == "" {
			t.Errorf("user %s: %+v", name, u)
			continue
		}
		if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("doi-mat-khau-"+name)); err != nil {
			t.Errorf("user %s: sample password: %v", name, err)
		}
		if (u.Role == RoleStaff) != (u.Counter != "") {
			t.Errorf("user %s: counter %q", name, u.Counter)
		}
	}
}

func TestExampleIsACopy(t *testing.T) {
	b := Example()
	b[0] = 'X'
	if Example()[0] == 'X' {
		t.Fatal("Example returns the embedded bytes themselves")
	}
}

func TestLookups(t *testing.T) {
	c := parseExample(t)
	if s, ok := c.Service("D"); !ok || s.Name.VI != "Đăng ký kinh doanh" {
		t.Errorf("Service(D) = %+v, %v", s, ok)
	}
	if k, ok := c.Counter("3"); !ok || k.Name.VI != "Quầy 3" {
		t.Errorf("Counter(3) = %+v, %v", k, ok)
	}
	if d, ok := c.Device("counter-5"); !ok || d.Counter != "5" || d.Kind != protocol.DeviceCounter {
		t.Errorf("Device(counter-5) = %+v, %v", d, ok)
	}
	if _, ok := c.Service("G"); ok {
		t.Error("Service(G) found")
	}
	if _, ok := c.Counter("9"); ok {
		t.Error("Counter(9) found")
	}
	if _, ok := c.Device("controller"); ok {
		t.Error("Device(controller) found")
	}
	// The results point into the centre.
	s, _ := c.Service("A")
	s.TargetWait = time.Hour
	if c.Services[0].TargetWait != time.Hour {
		t.Error("Service returned a copy")
	}
}

func TestDefaults(t *testing.T) {
	file := edit(t, "rules:\n  priority_max_in_row: 2\n", "")
	c, err := Parse("centre.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if c.Rules.PriorityMaxInRow != DefaultPriorityMaxInRow || c.Rules.HoldFor != DefaultHoldFor || c.Timezone != DefaultTimezone ||
		c.Location.String() != DefaultTimezone || c.Services[0].Width != DefaultWidth {
		t.Errorf("defaults: %+v %q %v %d", c.Rules, c.Timezone, c.Location, c.Services[0].Width)
	}
	// A level left out is 1; a name may be plain Vietnamese text.
	file = edit(t, "{service: B, level: 1}", "{service: B}", `name: {vi: "Quầy 2"}`, `name: Quầy 2`)
	c, err = Parse("centre.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if k := c.Counters[1]; k.Services[0].Level != 1 || k.Name != (Text{VI: "Quầy 2"}) {
		t.Errorf("counter 2: %+v", k)
	}
	// 0 is a valid priority_max_in_row; numbers may be quoted.
	file = edit(t, "priority_max_in_row: 2", "priority_max_in_row: 0", "    prefix: A\n", "    prefix: A\n    width: \"4\"\n")
	c, err = Parse("centre.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if c.Rules.PriorityMaxInRow != 0 || c.Services[0].Width != 4 {
		t.Errorf("rules %+v, width %d", c.Rules, c.Services[0].Width)
	}
	file = edit(t, "priority_max_in_row: 2\n", "priority_max_in_row: 2\n  hold_for: 3m\n")
	c, err = Parse("centre.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if c.Rules.HoldFor != 3*time.Minute {
		t.Errorf("rules %+v, width %d", c.Rules, c.Services[0].Width)
	}
}

func TestJSONIsYAML(t *testing.T) {
	file := `{"centre": {"id": "x", "name": {"vi": "Trung tâm"}},
"services": [{"id": "A", "prefix": "A", "name": "Đất đai", "target_wait": "20m", "mean_service": "10m"}],
"counters": [{"id": "1", "name": "Quầy 1", "services": [{"service": "A"}]}],
"devices": [],
"controller": {"username": "controller", "password": "12345678"}}`
	if _, err := Parse("centre.json", []byte(file)); err != nil {
		t.Fatal(err)
	}
}

// vietnamese holds every Vietnamese letter with every tone, upper and lower case.
const vietnamese = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ" +
	"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ"

func TestVietnameseNames(t *testing.T) {
	if !norm.NFC.IsNormalString(vietnamese) {
		t.Fatal("the test's own text is not NFC")
	}
	decomposed := norm.NFD.String(vietnamese)
	if decomposed == vietnamese {
		t.Fatal("NFD did not decompose")
	}
	escaped := escape(vietnamese)
	for _, tc := range []struct{ name, value string }{
		{"plain", vietnamese},
		{"double quoted", `"` + vietnamese + `"`},
		{"single quoted", `'` + vietnamese + `'`},
		{"combining accents", `"` + decomposed + `"`},
		{"escapes", `"` + escaped + `"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := edit(t, `name: {vi: "Hộ tịch"}`, "name:\n      vi: "+tc.value+"\n      en: Civil status")
			c, err := Parse("centre.yaml", []byte(file))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Services[1].Name.VI; got != vietnamese {
				t.Errorf("got  %q\nwant %q", got, vietnamese)
			}
		})
	}

	// Round trip: a centre written back out by a YAML library, as an editing
	// tool would, reads back with the same names.
	c := parseExample(t)
	c.Services[0].Name.VI = vietnamese
	c.Name.KM = "មជ្ឈមណ្ឌល"
	out, err := yaml.Marshal(toYAML(c))
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("again.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Name != c.Name || back.Services[0].Name != c.Services[0].Name {
		t.Errorf("names changed:\n%+v\n%+v", back.Name, back.Services[0].Name)
	}
	for i := range c.Counters {
		if back.Counters[i].Name != c.Counters[i].Name {
			t.Errorf("counter %d: %+v, want %+v", i, back.Counters[i].Name, c.Counters[i].Name)
		}
	}
}

// escape writes every non-ASCII character of s as a YAML \uXXXX escape.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	}
	return b.String()
}

// toYAML writes a centre in the file's format.
func toYAML(c *Centre) map[string]any {
	text := func(t Text) map[string]string {
		m := map[string]string{"vi": t.VI}
		if t.EN != "" {
			m["en"] = t.EN
		}
		if t.KM != "" {
			m["km"] = t.KM
		}
		return m
	}
	var services, counters, devices []any
	for _, s := range c.Services {
		services = append(services, map[string]any{"id": s.ID, "prefix": s.Prefix, "width": s.Width, "name": text(s.Name),
			"target_wait": s.TargetWait.String(), "mean_service": s.MeanService.String()})
	}
	for _, k := range c.Counters {
		var skills []any
		for _, sk := range k.Services {
			skills = append(skills, map[string]any{"service": sk.Service, "level": sk.Level})
		}
		counters = append(counters, map[string]any{"id": k.ID, "name": text(k.Name), "services": skills})
	}
	for _, d := range c.Devices {
		m := map[string]any{"id": d.ID, "kind": string(d.Kind), "password": d.Password}
		if d.Counter != "" {
			m["counter"] = d.Counter
		}
		if d.Buttons != nil {
			m["buttons"] = d.Buttons
		}
		devices = append(devices, m)
	}
	return map[string]any{
		"centre":     map[string]any{"id": c.ID, "name": text(c.Name), "timezone": c.Timezone},
		"rules":      map[string]any{"priority_max_in_row": c.Rules.PriorityMaxInRow},
		"services":   services,
		"counters":   counters,
		"devices":    devices,
		"controller": map[string]any{"username": c.Controller.Username, "password": c.Controller.Password},
	}
}

func TestTextIn(t *testing.T) {
	full := Text{VI: "Đất đai", EN: "Land", KM: "ដីធ្លី"}
	vi := Text{VI: "Đất đai"}
	for _, tc := range []struct {
		t    Text
		lang string
		want string
	}{
		{full, "vi", "Đất đai"},
		{full, "en", "Land"},
		{full, "km", "ដីធ្លី"},
		{full, "", "Đất đai"},
		{full, "fr", "Đất đai"},
		{vi, "en", "Đất đai"},
		{vi, "km", "Đất đai"},
	} {
		if got := tc.t.In(tc.lang); got != tc.want {
			t.Errorf("%+v.In(%q) = %q, want %q", tc.t, tc.lang, got, tc.want)
		}
	}
}

func TestDay(t *testing.T) {
	c := parseExample(t)
	local := func(s string) time.Time {
		v, err := time.ParseInLocation(time.DateTime, s, c.Location)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"a minute before local midnight", local("2026-11-23 23:59:00"), "2026-11-23"},
		{"local midnight", local("2026-11-24 00:00:00"), "2026-11-24"},
		{"a minute after local midnight", local("2026-11-24 00:01:00"), "2026-11-24"},
		{"a minute after local midnight, given in UTC", local("2026-11-24 00:01:00").UTC(), "2026-11-24"},
		{"06:59 local, the day before in UTC", time.Date(2026, 11, 23, 23, 59, 0, 0, time.UTC), "2026-11-24"},
		{"07:00 local is UTC midnight", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), "2026-11-24"},
		{"07:01 local", local("2026-11-24 07:01:00"), "2026-11-24"},
		{"new year", local("2027-01-01 00:00:30"), "2027-01-01"},
	} {
		if got := c.Day(tc.at); got != tc.want {
			t.Errorf("%s: Day(%v) = %s, want %s", tc.name, tc.at, got, tc.want)
		}
	}
	// A centre built by hand counts in Vietnam's time too, never in UTC.
	bare := &Centre{}
	if got := bare.Day(time.Date(2026, 11, 23, 17, 30, 0, 0, time.UTC)); got != "2026-11-24" {
		t.Errorf("without a Location: %s, want 2026-11-24", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "centre.yaml")
	if err := os.WriteFile(path, Example(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || c.ID != "ninh-kieu" {
		t.Fatalf("Load: %v, %v", c, err)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}

	if err := os.WriteFile(path, []byte(edit(t, "kind: board", "kind: bord")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), path+":30: devices[2].kind") {
		t.Errorf("bad file: %v", err)
	}
}
