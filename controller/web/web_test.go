package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/pages/pagestest"
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

// anonymous is a browser of the site that has not signed in.
func (s *site) anonymous(t testing.TB) *pagestest.User { return pagestest.Anonymous(t, s.url) }

// signIn signs in with the example's password and keeps the session's token.
func (s *site) signIn(t testing.TB, name string) *pagestest.User {
	t.Helper()
	return pagestest.SignIn(t, s.url, name, "doi-mat-khau-"+name)
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
			anon, manager := anon.For(t), manager.For(t)
			if status, _ := anon.Post(r.Path, form, ""); status != http.StatusUnauthorized {
				t.Errorf("without a session: status %d, want 401", status)
			}
			if status, _ := anon.Post(r.Path, form, manager.CSRF); status != http.StatusUnauthorized {
				t.Errorf("with another session's token and no session: status %d, want 401", status)
			}
			if status, _ := manager.Post(r.Path, form, ""); status != http.StatusForbidden {
				t.Errorf("without a token: status %d, want 403", status)
			}
			if status, _ := manager.Post(r.Path, form, "not-the-token"); status != http.StatusForbidden {
				t.Errorf("with a wrong token: status %d, want 403", status)
			}
			form2 := url.Values{"csrf": {"x" + manager.CSRF}}
			for k, v := range form {
				form2[k] = v
			}
			if status, _ := manager.Post(r.Path, form2, ""); status != http.StatusForbidden {
				t.Errorf("with a wrong token in the form: status %d, want 403", status)
			}
			req, _ := http.NewRequest(http.MethodPost, s.url+r.Path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", manager.CSRF)
			req.Header.Set("Origin", "http://evil.example")
			if resp, err := manager.Client().Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
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
	if status, _ := manager.Get("/live"); status != http.StatusOK {
		t.Errorf("manager's session ended: %d", status)
	}
	// The sign-in form itself needs its token.
	if status, _ := anon.Post("/signin", url.Values{"name": {"quanly"}, "password": {"doi-mat-khau-quanly"}}, ""); status != http.StatusForbidden {
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
		status, _ := anon.Get(strings.TrimSuffix(r.Path, "{$}"))
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
		if status, _ := lan.Get(path); status != http.StatusForbidden {
			t.Errorf("staff GET %s: %d, want 403", path, status)
		}
	}
	status, body := lan.Post("/counter/act", url.Values{"counter": {"3"}, "op": {"call_next"}, "key": {"k1"}}, lan.CSRF)
	if status != http.StatusForbidden || !strings.Contains(body, "own counter") && !strings.Contains(body, "quầy của mình") {
		t.Errorf("staff acting at counter 3: %d %s", status, body)
	}
	if status, _ := lan.Post("/manage/move", url.Values{"counter": {"1"}, "skills": {"A:1"}}, lan.CSRF); status != http.StatusForbidden {
		t.Errorf("staff moving a counter: %d", status)
	}
	// At counter 1 the same command works, and acts for counter 1.
	issue(t, s, "A")
	status, body = lan.Post("/counter/act", url.Values{"op": {"call_next"}, "key": {"k2"}}, lan.CSRF)
	if status != http.StatusOK || !strings.Contains(body, `"number":"A001"`) {
		t.Errorf("staff at counter 1: %d %s", status, body)
	}
	// A viewer changes nothing.
	xem := s.signIn(t, "xem")
	if status, _ := xem.Post("/manage/move", url.Values{"counter": {"1"}, "skills": {"A:1"}}, xem.CSRF); status != http.StatusForbidden {
		t.Errorf("viewer moving a counter: %d", status)
	}
	if status, _ := xem.Post("/counter/act", url.Values{"counter": {"1"}, "op": {"complete"}, "key": {"k3"}}, xem.CSRF); status != http.StatusForbidden {
		t.Errorf("viewer at a counter: %d", status)
	}
	if status, _ := xem.Get("/counter"); status != http.StatusForbidden {
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
		if status, _ := u.SignInTo("quanly", "wrong password "+string(rune('a'+i))); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, status)
		}
	}
	if status, _ := u.SignInTo("quanly", "doi-mat-khau-quanly"); status != http.StatusTooManyRequests {
		t.Fatalf("sixth attempt: %d, want 429", status)
	}
	// The limit is per name too: another address gets no more tries for it.
	// (The test server sees every client at 127.0.0.1, so the address limit
	// applies as well; a wait lifts both.)
	s.clock.Advance(31 * time.Second)
	if status, _ := u.SignInTo("quanly", "doi-mat-khau-quanly"); status != http.StatusSeeOther {
		t.Fatalf("after waiting: %d, want 303", status)
	}
}

// Sessions end after an hour without requests, after twelve hours in any
// case, and at sign-out.
func TestSessionsExpire(t *testing.T) {
	s := start(t)
	m := s.signIn(t, "quanly")
	s.clock.Advance(59 * time.Minute)
	if status, _ := m.Get("/api/overview"); status != http.StatusOK {
		t.Fatalf("after 59 min: %d", status)
	}
	s.clock.Advance(61 * time.Minute)
	if status, _ := m.Get("/api/overview"); status != http.StatusUnauthorized {
		t.Fatalf("after an idle hour: %d, want 401", status)
	}

	m = s.signIn(t, "quanly")
	for range 15 {
		s.clock.Advance(50 * time.Minute)
		m.Get("/api/overview")
	}
	if status, _ := m.Get("/api/overview"); status != http.StatusUnauthorized {
		t.Fatalf("after twelve and a half hours of use: %d, want 401", status)
	}

	m = s.signIn(t, "quanly")
	if status, _ := m.Post("/signout", nil, m.CSRF); status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", status)
	}
	if status, _ := m.Get("/api/overview"); status != http.StatusUnauthorized {
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
		status, body := m.Post("/manage/move", c.form, m.CSRF)
		if status != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%v: %d %s, want 400 with %s", c.form, status, body, c.want)
		}
	}
	status, body := m.Post("/counter/act", url.Values{"counter": {"1"}, "op": {"explode"}, "key": {"k"}}, m.CSRF)
	if status != http.StatusBadRequest || !strings.Contains(body, "not a counter command") {
		t.Errorf("unknown op: %d %s", status, body)
	}
	status, body = m.Post("/counter/act", url.Values{"counter": {"1"}, "op": {"call_next"}}, m.CSRF)
	if status != http.StatusBadRequest || !strings.Contains(body, "key") {
		t.Errorf("no key: %d %s", status, body)
	}
}

// A counter move is committed: it is logged with the manager's name and
// survives a restart of the controller.
func TestMoveIsKept(t *testing.T) {
	s := start(t)
	m := s.signIn(t, "quanly")
	if status, body := m.Post("/manage/move", url.Values{"counter": {"3"}, "skills": {"D:1 C:2"}}, m.CSRF); status != http.StatusOK {
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
