package web

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/pages"
	"github.com/sothutu/sothutu/controller/report"
	"github.com/sothutu/sothutu/internal/clock"
)

// Options configures a Server.
type Options struct {
	Centre     *config.Centre
	Controller *centre.Controller
	Store      report.Source // the reports read its events: the centre's store
	// Clock tells the time; nil is the real clock. Sessions, rate limits
	// and the reports' default day follow it.
	Clock  clock.Clock
	Logger *slog.Logger
	pages.Sessions
	// Heartbeat is how often a live stream sends a comment; default 15s.
	Heartbeat time.Duration
}

// Server serves the centre's pages.
type Server struct {
	*pages.Site
	opts Options
	now  func() time.Time
	log  *slog.Logger
}

// session and Route are the shared site's.
type (
	session = pages.Session
	Route   = pages.Route
)

//go:embed assets
var assets embed.FS

// New returns a Server; its pages are served by ServeHTTP.
func New(opts Options) (*Server, error) {
	if opts.Centre == nil || opts.Controller == nil || opts.Store == nil {
		return nil, errors.New("web.New: Centre, Controller and Store are required")
	}
	defaults(&opts)
	s := &Server{opts: opts, now: opts.Clock.Now, log: opts.Logger.With("centre", opts.Centre.ID)}
	own, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	s.Site, err = pages.New(pages.Options{Users: opts.Centre.User, Assets: own, Texts: texts,
		Name: opts.Centre.Name.In, Nav: centreNav, Home: centreHome,
		SignedIn: func(r *http.Request, u *config.User) {
			if u.Role == config.RoleStaff {
				s.noteSignIn(r, u)
			}
		},
		Clock: opts.Clock.Now, Logger: s.log, Sessions: opts.Sessions})
	if err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	s.routes()
	return s, nil
}

// defaults fills in the options left zero; the sessions' and sign-in's
// are the shared site's.
func defaults(opts *Options) {
	opts.Clock = clock.Or(opts.Clock)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Heartbeat == 0 {
		opts.Heartbeat = 15 * time.Second
	}
}

var (
	everyone = []config.Role{config.RoleManager, config.RoleStaff, config.RoleViewer}
	managers = []config.Role{config.RoleManager}
	watchers = []config.Role{config.RoleManager, config.RoleViewer}
	counters = []config.Role{config.RoleManager, config.RoleStaff}
)

func (s *Server) routes() {
	s.Handle("GET /{$}", s.root, everyone)
	s.HandleSignOut(everyone)
	s.Handle("GET /live", s.live, watchers)
	s.Handle("GET /api/overview", s.overviewJSON, watchers)
	s.Handle("GET /live/events", s.liveEvents, watchers)
	s.Handle("GET /alerts", s.alertHistory, watchers)
	s.Handle("POST /manage/move", s.move, managers)
	s.Handle("GET /counter", s.counterPage, counters)
	s.Handle("GET /api/counter", s.counterJSON, counters)
	s.Handle("GET /counter/events", s.counterEvents, counters)
	s.Handle("POST /counter/act", s.act, counters)
	s.Handle("GET /reports", s.reports, watchers)
	s.Handle("GET /reports/export.csv", s.exportCSV, watchers)
	s.Handle("GET /reports/export.xlsx", s.exportXLSX, watchers)
}

func (s *Server) root(w http.ResponseWriter, r *http.Request, ss *session) {
	http.Redirect(w, r, s.Home(ss.User), http.StatusSeeOther)
}

// centreHome is where a user of a centre's pages lands after signing in.
func centreHome(u *config.User) string {
	if u.Role == config.RoleStaff {
		return "/counter"
	}
	return "/live"
}

// centreNav is the menu of a centre's pages for a user's role.
func centreNav(u *config.User) []pages.Link {
	switch u.Role {
	case config.RoleStaff:
		return []pages.Link{{Href: "/counter", Key: "nav.counter"}}
	case config.RoleViewer:
		return []pages.Link{{Href: "/live", Key: "nav.live"}, {Href: "/reports", Key: "nav.reports"}, {Href: "/alerts", Key: "nav.alerts"}}
	}
	return []pages.Link{{Href: "/live", Key: "nav.live"}, {Href: "/counter", Key: "nav.counter"}, {Href: "/reports", Key: "nav.reports"},
		{Href: "/alerts", Key: "nav.alerts"}}
}

// render executes the page template name.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, ss *session, data any) {
	s.Render(w, r, status, name, ss, data)
}

// problem answers with an error page, or JSON for the API and actions.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, key string) {
	s.Problem(w, r, status, key)
}

func writeJSON(w http.ResponseWriter, status int, v any) { pages.WriteJSON(w, status, v) }

// lang is the request's language: ?lang=, else the cookie, else Vietnamese.
func lang(r *http.Request) string { return pages.Lang(r) }
