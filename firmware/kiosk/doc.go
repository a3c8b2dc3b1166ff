// Package kiosk is the ticket kiosk: it takes a citizen's choice of service
// (a GPIO button or the touch page), gets a number from the controller,
// prints the ticket on the thermal printer and reports its health.
//
// Nothing phantom: a number is callable only once its ticket is in the
// citizen's hand. The kiosk asks for every number with hold, and the
// controller keeps the ticket held (never called, not counted) until the
// kiosk confirms it printed in full (printed), or gives it up (void); a
// held ticket nobody confirms is voided by the controller after its hold
// time (rules.hold_for, 10 minutes by default; the kiosk's hold_for is a
// copy of it).
//
// # The journal
//
// journal.json in StateDir records every ticket on its way, online or
// offline, and is synced at each step: the request (key, service,
// priority, language) before it is first sent; the ticket once the reply
// came, with the print attempt begun; "printed" once the printer took the
// whole ticket; the entry is removed once the controller acknowledged the
// confirmation. Confirmations go through the link's durable outbox, so
// they survive restarts too.
//
// # Failure behaviour, and what the citizen sees
//
//   - Printer not ready (paper out, cover open, offline, error): the kiosk
//     asks the printer afresh right before asking for a number, and takes
//     no ticket it cannot print. The touch page says the printer is not
//     ready and to ask a member of staff; no number is given. The health
//     says so, and the kiosk takes tickets again by itself as soon as a
//     status query finds the printer ready. Paper near its end is reported
//     (health "degraded") while tickets are still printed, so the
//     technician hears of it before the paper runs out.
//   - The print fails after the number was issued (the paper ran out
//     between two polls, the printer dropped the connection mid-ticket):
//     the ticket stays held at the controller and is kept at the kiosk for
//     a reprint. The touch page shows the number with "issued but not
//     printed: press Reprint or ask a member of staff"; Reprint prints it,
//     marked as a reprint. When a status poll finds the printer ready
//     again, the kiosk reprints it by itself, once; if that fails too, it
//     is reported (health last_error, the log) and waits for Reprint.
//     Meanwhile the health is "fault" with last_error naming the ticket;
//     last_error clears once the printer is back and nothing waits for a
//     reprint. A ticket still not printed after hold_for is given up:
//     void is sent and it is reported.
//   - The kiosk stops (power cut, crash) with a ticket on its way; on the
//     next start every journal entry is finished before anything else:
//     a request without its reply is sent again with the same key (the
//     controller answers the same ticket), then printed; a ticket not
//     printed is reprinted, marked as a reprint, if the printer is ready
//     and the ticket younger than hold_for, and otherwise voided and
//     reported; a ticket printed but not acknowledged is confirmed again.
//     The touch page shows a ticket reprinted so as its last ticket, so
//     that a citizen still waiting sees their number; a ticket voided is
//     not shown (its citizen presses again and gets a new number).
//   - Controller or broker unreachable (the link is down, the controller's
//     retained status says offline, or no reply within ReplyTimeout): the
//     kiosk numbers the ticket itself from its offline block, writes it to
//     its journal before printing, prints it, and only once it printed in
//     full hands it to the controller through the link's durable outbox,
//     which re-sends until the controller files it by its issue time. A
//     request it gave up waiting for is named in the hand-over, so the
//     citizen holds one ticket only. An offline ticket whose print failed
//     is reprinted like an online one; one given up (older than hold_for,
//     or not printable after a restart) is never handed over, and is
//     reported. Offline numbers come from a block reserved for this kiosk
//     in the centre's configuration, which online numbering skips, so
//     numbers never collide. The touch page shows an offline ticket as any
//     other.
package kiosk
