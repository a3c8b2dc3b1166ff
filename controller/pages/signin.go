package pages

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
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

// Session is a signed-in user's session.
type Session struct {
	User     *config.User
	CSRF     string // the token every changing request carries
	started  time.Time
	lastSeen time.Time
}

// sessions holds the live sessions by the hash of their token: a leaked
// memory dump or log line does not give a usable cookie.
type sessions struct {
	mu   sync.Mutex
	byID map[[32]byte]*Session
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenID(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// startSession opens a session for u and returns its token.
func (s *Site) startSession(u *config.User) string {
	token := newToken()
	now := s.now()
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	s.sessions.byID[tokenID(token)] = &Session{User: u, CSRF: newToken(), started: now, lastSeen: now}
	// Forget expired sessions while here.
	for id, ss := range s.sessions.byID {
		if s.expired(ss, now) {
			delete(s.sessions.byID, id)
		}
	}
	return token
}

func (s *Site) expired(ss *Session, now time.Time) bool {
	return now.Sub(ss.started) > s.opts.MaxAge || now.Sub(ss.lastSeen) > s.opts.IdleTimeout
}

// Session returns the request's live session, refreshing its idle time.
func (s *Site) Session(r *http.Request) (*Session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	id := tokenID(c.Value)
	now := s.now()
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	ss, ok := s.sessions.byID[id]
	if !ok {
		return nil, false
	}
	if s.expired(ss, now) {
		delete(s.sessions.byID, id)
		return nil, false
	}
	ss.lastSeen = now
	return ss, true
}

func (s *Site) endSession(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.mu.Lock()
		delete(s.sessions.byID, tokenID(c.Value))
		s.sessions.mu.Unlock()
	}
}

func (s *Site) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
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
// trusted: the pages are reached directly on the centre's or city's network.
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
func (s *Site) checkPassword(name, password string) (*config.User, bool) {
	u, ok := s.opts.Users(name)
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
func (s *Site) signIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.signInForm(w, r, http.StatusOK, "")
		return
	}
	c, err := r.Cookie(signInCookie)
	if err != nil || !csrfOK(r, c.Value) {
		s.signInForm(w, r, http.StatusForbidden, "signin.expired")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	now := s.now()
	if !s.byIP.allow(clientIP(r), now) || !s.byName.allow(strings.ToLower(name), now) {
		s.log.Warn("sign-in rate limited", "user", name, "from", clientIP(r))
		w.Header().Set("Retry-After", "60")
		s.signInForm(w, r, http.StatusTooManyRequests, "signin.limited")
		return
	}
	u, ok := s.checkPassword(name, r.PostFormValue("password"))
	if !ok {
		s.log.Warn("sign-in refused", "user", name, "from", clientIP(r))
		s.signInForm(w, r, http.StatusUnauthorized, "signin.wrong")
		return
	}
	s.setCookie(w, sessionCookie, s.startSession(u), int(s.opts.MaxAge/time.Second))
	s.setCookie(w, signInCookie, "", -1)
	s.log.Info("signed in", "user", u.Name, "role", u.Role, "from", clientIP(r))
	if s.opts.SignedIn != nil {
		s.opts.SignedIn(r, u)
	}
	http.Redirect(w, r, s.Home(u), http.StatusSeeOther)
}

// signInForm shows the form with a fresh token bound to a cookie.
func (s *Site) signInForm(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := newToken()
	s.setCookie(w, signInCookie, token, 3600)
	s.Render(w, r, status, "signin", nil, map[string]any{"Token": token, "Problem": problem,
		"Name": r.PostFormValue("name")})
}

func (s *Site) signOut(w http.ResponseWriter, r *http.Request, _ *Session) {
	s.endSession(r)
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// Handler is a page or action for a signed-in user.
type Handler func(w http.ResponseWriter, r *http.Request, ss *Session)

// Allow wraps h: the request must come with a live session of one of the
// roles, and, unless it only reads (GET, HEAD), with the session's CSRF token.
func (s *Site) Allow(h Handler, roles ...config.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ss, ok := s.Session(r)
		reads := r.Method == http.MethodGet || r.Method == http.MethodHead
		if !ok {
			if reads && !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasSuffix(r.URL.Path, "/events") {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
			s.Problem(w, r, http.StatusUnauthorized, "error.signin")
			return
		}
		if !reads && !csrfOK(r, ss.CSRF) {
			s.log.Warn("request without a valid CSRF token refused", "user", ss.User.Name, "path", r.URL.Path)
			s.Problem(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		for _, role := range roles {
			if ss.User.Role == role {
				h(w, r, ss)
				return
			}
		}
		s.Problem(w, r, http.StatusForbidden, "error.role")
	}
}
