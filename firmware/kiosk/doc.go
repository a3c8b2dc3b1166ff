// Package kiosk is the ticket kiosk: it takes a citizen's choice of service
// (a GPIO button or the touch page), gets a number from the controller,
// prints the ticket on the thermal printer and reports its health.
//
// # Failure behaviour
//
//   - Printer not ready (paper out, cover open, offline, error): the kiosk
//     takes no ticket it cannot print. The touch page says so, the kiosk's
//     health says so, and it takes tickets again by itself as soon as a
//     status query finds the printer ready. Paper near its end is reported
//     (health "degraded") while tickets are still printed, so the
//     technician hears of it before the paper runs out.
//   - Print fails after the ticket was issued: the ticket exists at the
//     controller and stays the kiosk's last ticket, marked unprinted; the
//     reprint button or the page's reprint prints it again. Nothing is lost.
//   - Controller or broker unreachable (the link is down, the controller's
//     retained status says offline, or no reply within ReplyTimeout): the
//     kiosk numbers the ticket itself from its offline block, writes it to
//     its journal on disk before printing, prints it, and hands it to the
//     controller through the link's durable outbox, which re-sends until
//     the controller files it by its issue time. A request it gave up
//     waiting for is named in the hand-over, so the citizen holds one
//     ticket only. Offline numbers come from a block reserved for this
//     kiosk in the centre's configuration, which online numbering skips, so
//     numbers never collide.
package kiosk
