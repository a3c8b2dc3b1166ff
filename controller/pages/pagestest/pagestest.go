// Package pagestest drives a pages.Site over HTTP for tests, as a browser
// would: its cookies, the sign-in form's token, the session's CSRF token.
package pagestest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// User is a browser of a site at URL: its cookies and the CSRF token of its
// session.
type User struct {
	t    testing.TB
	url  string
	http *http.Client
	CSRF string
}

// Anonymous is a browser that has not signed in; it does not follow
// redirects, so that tests see them.
func Anonymous(t testing.TB, siteURL string) *User {
	jar, _ := cookiejar.New(nil)
	return &User{t: t, url: siteURL, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var (
	tokenField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	tokenMeta  = regexp.MustCompile(`<meta name="csrf" content="([^"]*)">`)
)

// SignInTo fills in the sign-in form and returns the answer's status and
// where it sends the browser.
func (u *User) SignInTo(name, password string) (int, string) {
	u.t.Helper()
	_, body := u.Get("/signin")
	m := tokenField.FindStringSubmatch(body)
	if m == nil {
		u.t.Fatalf("no token in the sign-in form:\n%s", body)
	}
	form := url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, u.url+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := u.http.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	r.Body.Close()
	return r.StatusCode, r.Header.Get("Location")
}

// SignIn signs in and keeps the session's CSRF token from the page it lands on.
func SignIn(t testing.TB, siteURL, name, password string) *User {
	t.Helper()
	u := Anonymous(t, siteURL)
	status, page := u.SignInTo(name, password)
	if status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", name, status)
	}
	_, body := u.Get(page)
	m := tokenMeta.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		t.Fatalf("no CSRF token on %s:\n%s", page, body)
	}
	u.CSRF = m[1]
	return u
}

// For is the same browser reporting its failures to t, a subtest's.
func (u *User) For(t testing.TB) *User {
	in := *u
	in.t = t
	return &in
}

// Client is the browser's HTTP client, with its cookies, for a request the
// other methods do not make (another site's Origin, a stream).
func (u *User) Client() *http.Client { return u.http }

// Get returns the status and body of path.
func (u *User) Get(path string) (int, string) {
	u.t.Helper()
	r, err := u.http.Get(u.url + path)
	if err != nil {
		u.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// Post sends form fields with the CSRF token given in the header ("" for none).
func (u *User) Post(path string, form url.Values, token string) (int, string) {
	u.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u.url+path, strings.NewReader(form.Encode()))
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
