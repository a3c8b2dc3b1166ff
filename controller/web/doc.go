// Package web serves the centre's pages for people, from the controller:
// the managers' live view (load per service and counter, device health,
// alerts, counter moves), the staff's counter page (the keypad's commands
// from a browser), and the reports with their CSV and Excel exports.
//
// Everything is served from the controller itself, with no resource from
// the internet, in Vietnamese and English.
//
// # Who sees what
//
// Users and their roles come from the centre's configuration (users:),
// with bcrypt password hashes. Sessions, CSRF tokens and the limits on
// sign-in attempts live in controller/pages (its doc says how they work),
// shared with the city view; this package gives each route the roles that
// may use it:
//
//   - manager: every page; moves counters; acts at any counter.
//   - staff: their own counter's page and commands only.
//   - viewer: the live view and the reports; changes nothing.
//
// # Live updates
//
// The live view and the counter page receive their state as server-sent
// events: the whole state on connection and again after every change the
// controller commits (centre.Controller.Watch), with a comment line every
// 15 s so proxies keep the stream open.
package web
