// Package pages is what the centre's pages (controller/web) and the city's
// (controller/city/view) share, so that neither imports the other and the
// centre's program links nothing of the city's: signing in with roles,
// sessions, CSRF tokens and rate limits (a Site), the layout with the
// sign-in and error pages, the stylesheet and the common script, the two
// languages' shared words, and live state streamed as server-sent events.
//
// # Security
//
// A session is a random token in an HttpOnly, SameSite=Strict cookie,
// kept by the hash of its token; it ends after IdleTimeout without a
// request, after MaxAge in any case, or at sign-out. Every request that
// changes something is a POST carrying the session's CSRF token (form
// field "csrf" or header X-CSRF-Token); the sign-in form carries one of its
// own, bound to a cookie. Sign-in attempts are rate limited per client
// address and per user name; an unknown name costs a bcrypt comparison
// like a wrong password.
//
// # Wiring
//
//	site, err := pages.New(pages.Options{Users: cfg.User, Assets: own, Texts: words,
//		Name: cfg.Name.In, Nav: nav, Home: home})
//	site.Handle("GET /live", live, []config.Role{config.RoleManager})
//	http.ListenAndServe(":8080", site)
package pages
