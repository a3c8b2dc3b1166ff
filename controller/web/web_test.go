package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/controller/store/storetest"
	"github.com/sothutu/sothutu/controller/web"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// site is the example centre's controller with its pages on a test server.
type site struct {
	centre *centretest.Centre
	pages  *web.Server
	url    string
	clock  *clock.Fake // the pages': sessions and rate limits follow it
}

func start(t testing.TB) *site {
	t.Helper()
	c := centretest.Start(t, centretest.Options{})
	clk := clock.NewFake(time.Now())
	pages, err := web.New(web.Options{Centre: c.Config, Controller: c.Controller(), Store: c.Store,
		Clock: clk, Logger: quiet, Heartbeat: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(pages)
	t.Cleanup(srv.Close)
	return &site{centre: c, pages: pages, url: srv.URL, clock: clk}
}

// user is a browser of the site: its cookies and the CSRF token of its session.
type user struct {
	t    testing.TB
	site *site
	http *http.Client
	csrf string
}

func (s *site) anonymous(t testing.TB) *user {
	jar, _ := cookiejar.New(nil)
	return &user{t: t, site: s, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var (
	tokenField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	tokenMeta  = regexp.MustCompile(`<meta name="csrf" content="([^"]*)">`)
)

// trySignIn fills in the sign-in form and returns the answer's status.
func (u *user) trySignIn(name, password string) int {
	u.t.Helper()
	status, _ := u.signInTo(name, password)
	return status
}

// signInTo fills in the sign-in form and returns the answer's status and
// where it sends the browser.
func (u *user) signInTo(name, password string) (int, string) {
	u.t.Helper()
	_, body := u.get("/signin")
	m := tokenField.FindStringSubmatch(body)
	if m == nil {
		u.t.Fatalf("no token in the sign-in form:\n%s", body)
	}
	form := url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, u.site.url+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := u.http.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	r.Body.Close()
	return r.StatusCode, r.Header.Get("Location")
}

// signIn signs in with the example's password and keeps the session's token.
func (s *site) signIn(t testing.TB, name string) *user {
	t.Helper()
	u := s.anonymous(t)
	status, page := u.signInTo(name, "doi-mat-khau-"+name)
	if status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", name, status)
	}
	_, body := u.get(page)
	m := tokenMeta.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		t.Fatalf("no CSRF token on %s:\n%s", page, body)
	}
	u.csrf = m[1]
	return u
}

func (u *user) get(path string) (int, string) {
	u.t.Helper()
	r, err := u.http.Get(u.site.url + path)
	if err != nil {
		u.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// post sends form fields with the CSRF token given in the header ("" for none).
func (u *user) post(path string, form url.Values, token string) (int, string) {
	u.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u.site.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	r, err := u.http.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// Every endpoint that changes something refuses a request without a
// session, and one with a session but without its CSRF token, a wrong one
// or one from another site; and nothing changes.
func TestChangesNeedSessionAndToken(t *testing.T) {
	s := start(t)
	manager := s.signIn(t, "quanly")
	anon := s.anonymous(t)
	forms := map[string]url.Values{
		"/signout":     {},
		"/manage/move": {"counter": {"3"}, "skills": {"D:1"}},
		"/counter/act": {"counter": {"1"}, "op": {"call_next"}, "key": {"k1"}},
	}
	var changing int
	for _, r := range s.pages.Routes() {
		if r.Method == http.MethodGet {
			continue
		}
		changing++
		form, ok := forms[r.Path]
		if !ok {
			t.Errorf("%s %s: no case in this test; add one", r.Method, r.Path)
			continue
		}
		t.Run(r.Path, func(t *testing.T) {
			anon.t, manager.t = t, t
			if status, _ := anon.post(r.Path, form, ""); status != http.StatusUnauthorized {
				t.Errorf("without a session: status %d, want 401", status)
			}
			if status, _ := anon.post(r.Path, form, manager.csrf); status != http.StatusUnauthorized {
				t.Errorf("with another session's token and no session: status %d, want 401", status)
			}
			if status, _ := manager.post(r.Path, form, ""); status != http.StatusForbidden {
				t.Errorf("without a token: status %d, want 403", status)
			}
			if status, _ := manager.post(r.Path, form, "not-the-token"); status != http.StatusForbidden {
				t.Errorf("with a wrong token: status %d, want 403", status)
			}
			form2 := url.Values{"csrf": {"x" + manager.csrf}}
			for k, v := range form {
				form2[k] = v
			}
			if status, _ := manager.post(r.Path, form2, ""); status != http.StatusForbidden {
				t.Errorf("with a wrong token in the form: status %d, want 403", status)
			}
			req, _ := http.NewRequest(http.MethodPost, s.url+r.Path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", manager.csrf)
			req.Header.Set("Origin", "http://evil.example")
			if resp, err := manager.http.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("from another site: %v %v, want 403", resp.StatusCode, err)
			}
		})
	}
	if changing < 3 {
		t.Errorf("%d changing endpoints listed", changing)
	}
	// Nothing happened: counter 1 never opened, counter 3 still serves its
	// configured services, the manager is still signed in.
	o, err := s.centre.Controller().Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Counters {
		if c.Counter == "1" && c.Status != protocol.CounterClosed {
			t.Errorf("counter 1 is %s", c.Status)
		}
		if c.Counter == "3" && c.Skills[0].Service != "B" {
			t.Errorf("counter 3 moved: %+v", c.Skills)
		}
	}
	manager.t = t
	if status, _ := manager.get("/live"); status != http.StatusOK {
		t.Errorf("manager's session ended: %d", status)
	}
	// The sign-in form itself needs its token.
	if status, _ := anon.post("/signin", url.Values{"name": {"quanly"}, "password": {"doi-mat-khau-quanly"}}, ""); status != http.StatusForbidden {
		t.Errorf("sign-in without the form's token: %d, want 403", status)
	}
}

// Reading pages need a session too: pages send to the sign-in form, data
// and streams answer 401.
func TestPagesNeedSignIn(t *testing.T) {
	s := start(t)
	anon := s.anonymous(t)
	for _, r := range s.pages.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		status, _ := anon.get(strings.TrimSuffix(r.Path, "{$}"))
		want := http.StatusSeeOther
		if strings.HasPrefix(r.Path, "/api/") || strings.HasSuffix(r.Path, "/events") {
			want = http.StatusUnauthorized
		}
		if status != want {
			t.Errorf("GET %s without a session: %d, want %d", r.Path, status, want)
		}
	}
}

// A staff member works at their own counter only, and sees no manager page.
func TestStaffStaysAtTheirCounter(t *testing.T) {
	s := start(t)
	lan := s.signIn(t, "lan") // counter 1
	for _, path := range []string{"/counter?counter=3", "/api/counter?counter=3", "/counter/events?counter=3",
		"/live", "/api/overview", "/live/events", "/reports", "/reports/export.csv", "/reports/export.xlsx", "/alerts"} {
		if status, _ := lan.get(path); status != http.StatusForbidden {
			t.Errorf("staff GET %s: %d, want 403", path, status)
		}
	}
	status, body := lan.post("/counter/act", url.Values{"counter": {"3"}, "op": {"call_next"}, "key": {"k1"}}, lan.csrf)
	if status != http.StatusForbidden || !strings.Contains(body, "own counter") && !strings.Contains(body, "quầy của mình") {
		t.Errorf("staff acting at counter 3: %d %s", status, body)
	}
	if status, _ := lan.post("/manage/move", url.Values{"counter": {"1"}, "skills": {"A:1"}}, lan.csrf); status != http.StatusForbidden {
		t.Errorf("staff moving a counter: %d", status)
	}
	// At counter 1 the same command works, and acts for counter 1.
	issue(t, s, "A")
	status, body = lan.post("/counter/act", url.Values{"op": {"call_next"}, "key": {"k2"}}, lan.csrf)
	if status != http.StatusOK || !strings.Contains(body, `"number":"A001"`) {
		t.Errorf("staff at counter 1: %d %s", status, body)
	}
	// A viewer changes nothing.
	xem := s.signIn(t, "xem")
	if status, _ := xem.post("/manage/move", url.Values{"counter": {"1"}, "skills": {"A:1"}}, xem.csrf); status != http.StatusForbidden {
		t.Errorf("viewer moving a counter: %d", status)
	}
	if status, _ := xem.post("/counter/act", url.Values{"counter": {"1"}, "op": {"complete"}, "key": {"k3"}}, xem.csrf); status != http.StatusForbidden {
		t.Errorf("viewer at a counter: %d", status)
	}
	if status, _ := xem.get("/counter"); status != http.StatusForbidden {
		t.Errorf("viewer's counter page: %d", status)
	}
}

// issue takes a ticket at kiosk-1 through the controller.
func issue(t testing.TB, s *site, service string) protocol.Ticket {
	t.Helper()
	r, err := s.centre.Controller().Do(context.Background(), engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk},
		protocol.Request{Key: "issue-" + time.Now().Format("150405.000000000"), Op: protocol.OpTicket, Service: service})
	if err != nil || !r.OK {
		t.Fatalf("ticket: %+v %v", r, err)
	}
	return *r.Ticket
}

// Sign-in attempts are limited per address and per name: after five, even
// the right password is refused until time has passed.
func TestSignInRateLimited(t *testing.T) {
	s := start(t)
	u := s.anonymous(t)
	for i := range 5 {
		if status := u.trySignIn("quanly", "wrong password "+string(rune('a'+i))); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, status)
		}
	}
	if status := u.trySignIn("quanly", "doi-mat-khau-quanly"); status != http.StatusTooManyRequests {
		t.Fatalf("sixth attempt: %d, want 429", status)
	}
	// The limit is per name too: another address gets no more tries for it.
	// (The test server sees every client at 127.0.0.1, so the address limit
	// applies as well; a wait lifts both.)
	s.clock.Advance(31 * time.Second)
	if status := u.trySignIn("quanly", "doi-mat-khau-quanly"); status != http.StatusSeeOther {
		t.Fatalf("after waiting: %d, want 303", status)
	}
}

// Sessions end after an hour without requests, after twelve hours in any
// case, and at sign-out.
func TestSessionsExpire(t *testing.T) {
	s := start(t)
	m := s.signIn(t, "quanly")
	s.clock.Advance(59 * time.Minute)
	if status, _ := m.get("/api/overview"); status != http.StatusOK {
		t.Fatalf("after 59 min: %d", status)
	}
	s.clock.Advance(61 * time.Minute)
	if status, _ := m.get("/api/overview"); status != http.StatusUnauthorized {
		t.Fatalf("after an idle hour: %d, want 401", status)
	}

	m = s.signIn(t, "quanly")
	for range 15 {
		s.clock.Advance(50 * time.Minute)
		m.get("/api/overview")
	}
	if status, _ := m.get("/api/overview"); status != http.StatusUnauthorized {
		t.Fatalf("after twelve and a half hours of use: %d, want 401", status)
	}

	m = s.signIn(t, "quanly")
	if status, _ := m.post("/signout", nil, m.csrf); status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", status)
	}
	if status, _ := m.get("/api/overview"); status != http.StatusUnauthorized {
		t.Fatalf("after sign-out: %d, want 401", status)
	}
}

// A counter move names what is wrong with it.
func TestMoveBadInput(t *testing.T) {
	s := start(t)
	m := s.signIn(t, "quanly")
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"counter": {"9"}, "skills": {"A:1"}}, `counter \"9\": no such counter`},
		{url.Values{"counter": {"3"}, "skills": {"Z:1"}}, `unknown service \"Z\"`},
		{url.Values{"counter": {"3"}, "skills": {"A:0"}}, `level \"0\" is not 1 to 9`},
		{url.Values{"counter": {"3"}, "skills": {"A:1 A:2"}}, `service \"A\" given twice`},
		{url.Values{"counter": {"3"}, "skills": {""}}, `at least one service`},
	} {
		status, body := m.post("/manage/move", c.form, m.csrf)
		if status != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%v: %d %s, want 400 with %s", c.form, status, body, c.want)
		}
	}
	status, body := m.post("/counter/act", url.Values{"counter": {"1"}, "op": {"explode"}, "key": {"k"}}, m.csrf)
	if status != http.StatusBadRequest || !strings.Contains(body, "not a counter command") {
		t.Errorf("unknown op: %d %s", status, body)
	}
	status, body = m.post("/counter/act", url.Values{"counter": {"1"}, "op": {"call_next"}}, m.csrf)
	if status != http.StatusBadRequest || !strings.Contains(body, "key") {
		t.Errorf("no key: %d %s", status, body)
	}
}

// A counter move is committed: it is logged with the manager's name and
// survives a restart of the controller.
func TestMoveIsKept(t *testing.T) {
	s := start(t)
	m := s.signIn(t, "quanly")
	if status, body := m.post("/manage/move", url.Values{"counter": {"3"}, "skills": {"D:1 C:2"}}, m.csrf); status != http.StatusOK {
		t.Fatalf("move: %d %s", status, body)
	}
	var moved *store.Event
	for _, e := range storetest.Events(t, s.centre.Store, "reassigned") {
		if e.Counter == "3" {
			moved = &e
			break
		}
	}
	if moved == nil || moved.Actor != "web:quanly" || moved.Detail != "D:1 C:2" {
		t.Errorf("reassigned event of counter 3: %+v", moved)
	}
	s.centre.Stop()
	s.centre.Restart()
	o, err := s.centre.Controller().Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Counters {
		if c.Counter == "3" && (len(c.Skills) != 2 || c.Skills[0].Service != "D" || c.Skills[1].Service != "C") {
			t.Errorf("counter 3 after a restart: %+v", c.Skills)
		}
	}
}
