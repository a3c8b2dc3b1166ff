package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/sothutu/sothutu/controller/config"
)

const (
	sessionCookie = "sothutu_session"
	signInCookie  = "sothutu_signin" // binds the sign-in form's CSRF token
	langCookie    = "lang"
)

// gate signs people in and keeps their sessions, for a set of users: a
// centre's pages or the city's.
type gate struct {
	users        func(name string) (*config.User, bool)
	now          func() time.Time
	log          *slog.Logger
	maxAge, idle time.Duration
	secure       bool // cookies only over HTTPS
	sessions     sessions
	byIP, byName *limiter
	// render and problem draw pages; home is where a user lands; signedIn,
	// if set, learns of every sign-in.
	render   func(w http.ResponseWriter, r *http.Request, status int, name string, ss *session, data any)
	problem  func(w http.ResponseWriter, r *http.Request, status int, key string)
	home     func(*config.User) string
	signedIn func(*http.Request, *config.User)
}

// gateOptions are the settings a gate shares with the server options.
type gateOptions struct {
	MaxAge, IdleTimeout time.Duration
	SignInEvery         time.Duration
	SignInBurst         int
	SecureCookies       bool
	Clock               func() time.Time
	Logger              *slog.Logger
}

func newGate(o gateOptions, users func(string) (*config.User, bool)) *gate {
	return &gate{users: users, now: o.Clock, log: o.Logger, maxAge: o.MaxAge, idle: o.IdleTimeout,
		secure: o.SecureCookies, sessions: sessions{byID: map[[32]byte]*session{}},
		byIP:   &limiter{every: o.SignInEvery, burst: o.SignInBurst, keys: map[string]*rate.Limiter{}},
		byName: &limiter{every: o.SignInEvery, burst: o.SignInBurst, keys: map[string]*rate.Limiter{}},
		home:   func(*config.User) string { return "/" }}
}

// session is a signed-in user's session.
type session struct {
	user     *config.User
	csrf     string
	started  time.Time
	lastSeen time.Time
}

// sessions holds the live sessions by the hash of their token: a leaked
// memory dump or log line does not give a usable cookie.
type sessions struct {
	mu   sync.Mutex
	byID map[[32]byte]*session
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenID(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// start opens a session for u and returns its token.
func (g *gate) startSession(u *config.User) string {
	token := newToken()
	now := g.now()
	g.sessions.mu.Lock()
	defer g.sessions.mu.Unlock()
	g.sessions.byID[tokenID(token)] = &session{user: u, csrf: newToken(), started: now, lastSeen: now}
	// Forget expired sessions while here.
	for id, ss := range g.sessions.byID {
		if g.expired(ss, now) {
			delete(g.sessions.byID, id)
		}
	}
	return token
}

func (g *gate) expired(ss *session, now time.Time) bool {
	return now.Sub(ss.started) > g.maxAge || now.Sub(ss.lastSeen) > g.idle
}

// session returns the request's live session, refreshing its idle time.
func (g *gate) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	id := tokenID(c.Value)
	now := g.now()
	g.sessions.mu.Lock()
	defer g.sessions.mu.Unlock()
	ss, ok := g.sessions.byID[id]
	if !ok {
		return nil, false
	}
	if g.expired(ss, now) {
		delete(g.sessions.byID, id)
		return nil, false
	}
	ss.lastSeen = now
	return ss, true
}

func (g *gate) endSession(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		g.sessions.mu.Lock()
		delete(g.sessions.byID, tokenID(c.Value))
		g.sessions.mu.Unlock()
	}
}

func (g *gate) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: g.secure, SameSite: http.SameSiteStrictMode})
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// csrfOK checks a changing request: its token matches the session's and,
// when the browser says where it comes from, it comes from this site.
func csrfOK(r *http.Request, want string) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if !strings.HasSuffix(o, "://"+r.Host) {
			return false
		}
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return sameToken(got, want)
}

// limiter rate limits sign-in attempts per key (client address, user name).
type limiter struct {
	mu    sync.Mutex
	every time.Duration
	burst int
	keys  map[string]*rate.Limiter
}

// allow takes one attempt for key at now.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) > 10000 { // a flood of addresses: start afresh rather than grow
		l.keys = map[string]*rate.Limiter{}
	}
	lim, ok := l.keys[key]
	if !ok {
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.keys[key] = lim
	}
	return lim.AllowN(now, 1)
}

// clientIP is the address a request came from. Proxy headers are not
// trusted: the controller is reached directly on the centre's network.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// dummyHash is compared against when the user is unknown, so that an
// unknown name takes as long as a wrong password.
// It is made at the first sign-in, not at start: a bcrypt round costs
// about 60 ms, more on a Pi.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcrypt.DefaultCost)
	return h
})

// checkPassword returns the user if name and password match.
func (g *gate) checkPassword(name, password string) (*config.User, bool) {
	u, ok := g.users(name)
	var hash []byte
	if ok {
		hash = []byte(u.PasswordHash)
	} else {
		hash = dummyHash()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return nil, false
	}
	return u, true
}

// signIn serves the sign-in form and takes its answer.
func (g *gate) signIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		g.signInForm(w, r, http.StatusOK, "")
		return
	}
	c, err := r.Cookie(signInCookie)
	if err != nil || !csrfOK(r, c.Value) {
		g.signInForm(w, r, http.StatusForbidden, "signin.expired")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	now := g.now()
	if !g.byIP.allow(clientIP(r), now) || !g.byName.allow(strings.ToLower(name), now) {
		g.log.Warn("sign-in rate limited", "user", name, "from", clientIP(r))
		w.Header().Set("Retry-After", "60")
		g.signInForm(w, r, http.StatusTooManyRequests, "signin.limited")
		return
	}
	u, ok := g.checkPassword(name, r.PostFormValue("password"))
	if !ok {
		g.log.Warn("sign-in refused", "user", name, "from", clientIP(r))
		g.signInForm(w, r, http.StatusUnauthorized, "signin.wrong")
		return
	}
	g.setCookie(w, sessionCookie, g.startSession(u), int(g.maxAge/time.Second))
	g.setCookie(w, signInCookie, "", -1)
	g.log.Info("signed in", "user", u.Name, "role", u.Role, "from", clientIP(r))
	if g.signedIn != nil {
		g.signedIn(r, u)
	}
	http.Redirect(w, r, g.home(u), http.StatusSeeOther)
}

// signInForm shows the form with a fresh token bound to a cookie.
func (g *gate) signInForm(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := newToken()
	g.setCookie(w, signInCookie, token, 3600)
	g.render(w, r, status, "signin", nil, map[string]any{"Token": token, "Problem": problem,
		"Name": r.PostFormValue("name")})
}

func (g *gate) signOut(w http.ResponseWriter, r *http.Request, _ *session) {
	g.endSession(r)
	g.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// centreHome is where a user of a centre's pages lands after signing in.
func centreHome(u *config.User) string {
	if u.Role == config.RoleStaff {
		return "/counter"
	}
	return "/live"
}

// handler is a page or action for a signed-in user.
type handler func(w http.ResponseWriter, r *http.Request, ss *session)

// allow wraps h: the request must come with a live session of one of the
// roles, and, unless it only reads (GET, HEAD), with the session's CSRF token.
func (g *gate) allow(h handler, roles ...config.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ss, ok := g.session(r)
		reads := r.Method == http.MethodGet || r.Method == http.MethodHead
		if !ok {
			if reads && !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasSuffix(r.URL.Path, "/events") {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
			g.problem(w, r, http.StatusUnauthorized, "error.signin")
			return
		}
		if !reads && !csrfOK(r, ss.csrf) {
			g.log.Warn("request without a valid CSRF token refused", "user", ss.user.Name, "path", r.URL.Path)
			g.problem(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		for _, role := range roles {
			if ss.user.Role == role {
				h(w, r, ss)
				return
			}
		}
		g.problem(w, r, http.StatusForbidden, "error.role")
	}
}
