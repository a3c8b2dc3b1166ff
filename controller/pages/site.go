package pages

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/sothutu/sothutu/controller/config"
)

// ErrOptions is wrapped by New's error for options that cannot make a site.
var ErrOptions = errors.New("pages: incomplete options")

// Options configure a Site.
type Options struct {
	// Users finds a user by name: the centre's or the city's users:.
	Users func(name string) (*config.User, bool)
	// Assets hold the site's own page templates (*.html) and static files
	// (served under /static/ beside the shared app.css and common.js).
	Assets fs.FS
	// Texts are the site's own words, added to the shared ones.
	Texts Texts
	// Name is the centre's or the city's name in the header, in a language.
	Name func(lang string) string
	// Nav is the header's menu for a user; Home is where a user lands
	// after signing in. Nil means no menu and "/".
	Nav  func(*config.User) []Link
	Home func(*config.User) string
	// SignedIn, if set, learns of every sign-in.
	SignedIn func(*http.Request, *config.User)

	// Clock tells the time; nil means time.Now. Sessions and rate limits
	// follow it.
	Clock  func() time.Time
	Logger *slog.Logger
	Sessions
}

// Sessions are how long a session lasts, how often signing in may be
// tried and whether cookies are Secure: the centre's and the city's
// pages pass theirs on as they are.
type Sessions struct {
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
}

// Site signs people in to a set of pages, keeps their sessions and draws
// the pages in the shared layout: the centre's pages or the city's.
type Site struct {
	opts         Options
	now          func() time.Time
	log          *slog.Logger
	texts        Texts
	templates    *template.Template
	mux          *http.ServeMux
	routes       []Route
	sessions     sessions
	byIP, byName *limiter
}

// Route is one of a site's endpoints, listed for the security tests.
type Route struct {
	Method, Path string
	Roles        []config.Role // nil: anyone, signed in or not
}

//go:embed assets
var assets embed.FS

// New returns a site serving the sign-in page, the language switch and the
// static files; its pages are added with Handle.
func New(opts Options) (*Site, error) {
	if opts.Users == nil || opts.Assets == nil || opts.Name == nil {
		return nil, fmt.Errorf("pages.New: Users, Assets and Name are required: %w", ErrOptions)
	}
	defaults(&opts)
	templates, err := parseTemplates(opts.Assets)
	if err != nil {
		return nil, fmt.Errorf("pages.New: %w", err)
	}
	s := &Site{opts: opts, now: opts.Clock, log: opts.Logger, texts: Frame.With(opts.Texts), templates: templates,
		mux: http.NewServeMux(), sessions: sessions{byID: map[[32]byte]*Session{}},
		byIP:   &limiter{every: opts.SignInEvery, burst: opts.SignInBurst, keys: map[string]*rate.Limiter{}},
		byName: &limiter{every: opts.SignInEvery, burst: opts.SignInBurst, keys: map[string]*rate.Limiter{}}}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(layers{opts.Assets, shared()})))
	s.mux.HandleFunc("GET /signin", s.signIn)
	s.mux.HandleFunc("POST /signin", s.signIn)
	s.mux.HandleFunc("GET /lang", setLang)
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
	if opts.Nav == nil {
		opts.Nav = func(*config.User) []Link { return nil }
	}
	if opts.Home == nil {
		opts.Home = func(*config.User) string { return "/" }
	}
}

// parseTemplates parses the shared layout and the site's own pages.
func parseTemplates(own fs.FS) (*template.Template, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"list": func(items ...string) []string { return items },
		"json": func(v any) (template.JS, error) {
			b, err := json.Marshal(v)
			return template.JS(b), err
		},
	}).ParseFS(shared(), "*.html")
	if err != nil {
		return nil, err
	}
	return t.ParseFS(own, "*.html")
}

// shared are the layout, the stylesheet and the common script.
func shared() fs.FS {
	sub, _ := fs.Sub(assets, "assets")
	return sub
}

// layers serves a file from the first file system that has it.
type layers []fs.FS

func (l layers) Open(name string) (fs.File, error) {
	var err error
	for _, f := range l {
		var file fs.File
		if file, err = f.Open(name); err == nil {
			return file, nil
		}
	}
	return nil, err
}

// Handle serves pattern ("GET /path") to signed-in users of the roles.
func (s *Site) Handle(pattern string, h Handler, roles []config.Role) {
	method, path, _ := strings.Cut(pattern, " ")
	s.routes = append(s.routes, Route{Method: method, Path: path, Roles: roles})
	s.mux.HandleFunc(pattern, s.Allow(h, roles...))
}

// HandleSignOut serves POST /signout to signed-in users of the roles.
func (s *Site) HandleSignOut(roles []config.Role) { s.Handle("POST /signout", s.signOut, roles) }

// Routes lists every endpoint with who may use it.
func (s *Site) Routes() []Route { return s.routes }

// Home is where u lands after signing in.
func (s *Site) Home(u *config.User) string { return s.opts.Home(u) }

// ServeHTTP serves the pages.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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

// Page is what every page template receives.
type Page struct {
	Lang   string
	Centre string // the centre's or the city's name
	User   *config.User
	CSRF   string
	Path   string
	Nav    []Link
	Data   any
	texts  Texts
}

// Link is an entry of the header's menu.
type Link struct{ Href, Key string }

// T translates a text key into the page's language.
func (p Page) T(key string) string { return p.texts.Translate(p.Lang, key) }

// Render writes page template name with data, for the session's user (nil
// when signed out).
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, name string, ss *Session, data any) {
	p := Page{Lang: Lang(r), Path: r.URL.Path, Data: data, texts: s.texts}
	p.Centre = s.opts.Name(p.Lang)
	if ss != nil {
		p.User, p.CSRF, p.Nav = ss.User, ss.CSRF, s.opts.Nav(ss.User)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.templates.ExecuteTemplate(w, name, p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
	}
}

// Problem answers with an error page, or JSON for the API and actions.
func (s *Site) Problem(w http.ResponseWriter, r *http.Request, status int, key string) {
	l := Lang(r)
	if r.Method != http.MethodGet || r.Header.Get("Accept") == "application/json" {
		WriteJSON(w, status, map[string]string{"error": s.texts.Translate(l, key)})
		return
	}
	ss, _ := s.Session(r)
	s.Render(w, r, status, "problem", ss, map[string]any{"Status": status, "Message": s.texts.Translate(l, key)})
}

// Dictionary is every word of the site in one language, for the pages' scripts.
func (s *Site) Dictionary(lang string) map[string]string { return s.texts.Dictionary(lang) }

// Translate translates a text key of the site into lang.
func (s *Site) Translate(lang, key string) string { return s.texts.Translate(lang, key) }

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Lang is the request's language: ?lang=, else the cookie, else Vietnamese.
func Lang(r *http.Request) string {
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
