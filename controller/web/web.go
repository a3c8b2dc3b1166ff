package web

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/store"
)

// Options configures a Server.
type Options struct {
	Centre     *config.Centre
	Controller *centre.Controller
	Store      *store.Store // the reports read it
	// Clock tells the time; nil means time.Now. Sessions, rate limits and
	// the reports' default day follow it.
	Clock  func() time.Time
	Logger *slog.Logger
	// MaxAge ends a session however active; default 12h, a working day.
	MaxAge time.Duration
	// IdleTimeout ends a session without requests; default 1h. A page left
	// open keeps its session alive through its live stream.
	IdleTimeout time.Duration
	// SignInEvery and SignInBurst limit sign-in attempts per client address
	// and per user name: SignInBurst at once, then one per SignInEvery.
	// Defaults 5 and 30s.
	SignInEvery time.Duration
	SignInBurst int
	// SecureCookies marks cookies Secure, for pages served over HTTPS.
	SecureCookies bool
	// Heartbeat is how often a live stream sends a comment; default 15s.
	Heartbeat time.Duration
}

// Server serves the centre's pages.
type Server struct {
	*gate
	opts      Options
	pages     *template.Template
	mux       *http.ServeMux
	routeList []Route
}

//go:embed assets
var assets embed.FS

// New returns a Server; its pages are served by ServeHTTP.
func New(opts Options) (*Server, error) {
	if opts.Centre == nil || opts.Controller == nil || opts.Store == nil {
		return nil, errors.New("web.New: Centre, Controller and Store are required")
	}
	defaults(&opts)
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, pages: pages}
	s.gate = newGate(gateOptions{MaxAge: opts.MaxAge, IdleTimeout: opts.IdleTimeout, SignInEvery: opts.SignInEvery,
		SignInBurst: opts.SignInBurst, SecureCookies: opts.SecureCookies, Clock: opts.Clock,
		Logger: opts.Logger.With("centre", opts.Centre.ID)}, opts.Centre.User)
	s.gate.render, s.gate.problem, s.gate.home = s.render, s.problem, centreHome
	s.gate.signedIn = func(r *http.Request, u *config.User) {
		if u.Role == config.RoleStaff {
			s.noteSignIn(r, u)
		}
	}
	s.routes()
	return s, nil
}

// defaults fills in the options left zero.
func defaults(opts *Options) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = 12 * time.Hour
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = time.Hour
	}
	if opts.SignInEvery == 0 {
		opts.SignInEvery = 30 * time.Second
	}
	if opts.SignInBurst == 0 {
		opts.SignInBurst = 5
	}
	if opts.Heartbeat == 0 {
		opts.Heartbeat = 15 * time.Second
	}
}

// parsePages parses every page template.
func parsePages() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"list": func(items ...string) []string { return items },
		"json": func(v any) (template.JS, error) {
			b, err := json.Marshal(v)
			return template.JS(b), err
		},
	}).ParseFS(assets, "assets/*.html")
}

// staticFiles are the stylesheet and scripts.
func staticFiles() fs.FS {
	static, _ := fs.Sub(assets, "assets")
	return static
}

// Route is one of the server's endpoints, listed for the security tests.
type Route struct {
	Method, Path string
	Roles        []config.Role // nil: anyone, signed in or not
}

var (
	everyone = []config.Role{config.RoleManager, config.RoleStaff, config.RoleViewer}
	managers = []config.Role{config.RoleManager}
	watchers = []config.Role{config.RoleManager, config.RoleViewer}
	counters = []config.Role{config.RoleManager, config.RoleStaff}
)

// Routes lists every endpoint with who may use it.
func (s *Server) Routes() []Route { return s.routeList }

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFiles())))
	s.mux.HandleFunc("GET /signin", s.signIn)
	s.mux.HandleFunc("POST /signin", s.signIn)
	s.mux.HandleFunc("GET /lang", setLang)
	s.handle("GET /{$}", s.root, everyone)
	s.handle("POST /signout", s.signOut, everyone)
	s.handle("GET /live", s.live, watchers)
	s.handle("GET /api/overview", s.overviewJSON, watchers)
	s.handle("GET /live/events", s.liveEvents, watchers)
	s.handle("GET /alerts", s.alertHistory, watchers)
	s.handle("POST /manage/move", s.move, managers)
	s.handle("GET /counter", s.counterPage, counters)
	s.handle("GET /api/counter", s.counterJSON, counters)
	s.handle("GET /counter/events", s.counterEvents, counters)
	s.handle("POST /counter/act", s.act, counters)
	s.handle("GET /reports", s.reports, watchers)
	s.handle("GET /reports/export.csv", s.exportCSV, watchers)
	s.handle("GET /reports/export.xlsx", s.exportXLSX, watchers)
}

func (s *Server) handle(pattern string, h handler, roles []config.Role) {
	var r Route
	for i, c := range pattern {
		if c == ' ' {
			r.Method, r.Path = pattern[:i], pattern[i+1:]
			break
		}
	}
	r.Roles = roles
	s.routeList = append(s.routeList, r)
	s.mux.HandleFunc(pattern, s.allow(h, roles...))
}

// ServeHTTP serves the pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secure(w, r)
	s.mux.ServeHTTP(w, r)
}

// secure sets the headers every page carries and bounds what a request may send.
func secure(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
}

func (s *Server) root(w http.ResponseWriter, r *http.Request, ss *session) {
	http.Redirect(w, r, s.home(ss.user), http.StatusSeeOther)
}

// page is what every page template receives.
type page struct {
	Lang   string
	Centre string // the centre's or the city's name
	User   *config.User
	CSRF   string
	Path   string
	Nav    []link
	Data   any
}

// link is an entry of the header's menu.
type link struct{ Href, Key string }

// centreNav is the menu of a centre's pages for a user's role.
func centreNav(u *config.User) []link {
	switch u.Role {
	case config.RoleStaff:
		return []link{{"/counter", "nav.counter"}}
	case config.RoleViewer:
		return []link{{"/live", "nav.live"}, {"/reports", "nav.reports"}, {"/alerts", "nav.alerts"}}
	}
	return []link{{"/live", "nav.live"}, {"/counter", "nav.counter"}, {"/reports", "nav.reports"}, {"/alerts", "nav.alerts"}}
}

// T translates a text key into the page's language.
func (p page) T(key string) string { return translate(p.Lang, key) }

// render executes the page template name.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, ss *session, data any) {
	p := page{Lang: lang(r), Path: r.URL.Path, Data: data}
	p.Centre = s.opts.Centre.Name.In(p.Lang)
	if ss != nil {
		p.User, p.CSRF, p.Nav = ss.user, ss.csrf, centreNav(ss.user)
	}
	execute(w, s.pages, s.log, status, name, p)
}

// execute writes page template name.
func execute(w http.ResponseWriter, pages *template.Template, log *slog.Logger, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, p); err != nil {
		log.Error("render page", "page", name, "err", err)
	}
}

// problem answers with an error page, or JSON for the API and actions.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, key string) {
	l := lang(r)
	if r.Method != http.MethodGet || r.Header.Get("Accept") == "application/json" {
		writeJSON(w, status, map[string]string{"error": translate(l, key)})
		return
	}
	ss, _ := s.session(r)
	s.render(w, r, status, "problem", ss, map[string]any{"Status": status, "Message": translate(l, key)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// lang is the request's language: ?lang=, else the cookie, else Vietnamese.
func lang(r *http.Request) string {
	l := r.URL.Query().Get("lang")
	if l == "" {
		if c, err := r.Cookie(langCookie); err == nil {
			l = c.Value
		}
	}
	if l == "en" {
		return "en"
	}
	return "vi"
}

// setLang keeps the language asked for in a cookie and goes back.
func setLang(w http.ResponseWriter, r *http.Request) {
	l := "vi"
	if r.URL.Query().Get("to") == "en" {
		l = "en"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	back := r.URL.Query().Get("back")
	if len(back) == 0 || back[0] != '/' || len(back) > 1 && (back[1] == '/' || back[1] == '\\') {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
