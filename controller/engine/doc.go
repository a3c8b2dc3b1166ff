// Package engine holds the live queues of one centre: ticket numbering,
// the ordering of calls, counters and their commands, idempotency and the day
// boundary. It knows nothing of MQTT or SQLite and takes the time with every
// call, so the controller and the simulator drive the same code.
//
// An Engine is owned by one goroutine, the single writer of a centre's queue
// state: that is what makes "a ticket is called by at most one counter" hold
// without locks. Every command marks what it changed; Flush hands the changes
// to the caller, which commits them durably before it replies or publishes
// anything. Restore rebuilds an Engine from what was committed.
//
// # Numbering
//
// Each service numbers its tickets from 1 each local day, formatted as the
// service's prefix and a zero-padded running number (A001, A002, ...). The day
// is the date in the centre's time zone (Asia/Ho_Chi_Minh by default): the first
// command or tick after local midnight ends every ticket still open with the
// outcome "reset", closes the counters and starts numbering again.
//
// # Held tickets
//
// A ticket request with Hold is numbered and told its wait like any other,
// but the ticket is Held until the issuing kiosk confirms with printed that
// it reached the citizen: a held ticket is in no queue, so no rule below
// ever calls it (call next, call ticket), and it counts nowhere, neither as
// issued nor as waiting (service state, totals, live view, reports, the
// city's figures). Printed makes it Waiting in its place by issue time, as
// if it had never been held, and records its "issued" event then. The
// kiosk's void, or Rules.HoldFor passing without printed (checked by Tick
// and before every request, on the caller's clock), ends it as Voided with
// a "voided" event; a later printed reinstates a voided ticket the same
// way, since the citizen holds the paper. Printed of a ticket already in a
// citizen's hand changes nothing; void of one is refused (conflict); either
// from another kiosk than the issuing one is refused (not_allowed). A held
// ticket still open at midnight ends as reset like any other, and a held
// ticket whose request an offline ticket replaces is voided. A ticket
// request without Hold is in hand at once, as is an offline ticket, which a
// kiosk hands over only once printed.
//
// An offline ticket's number must be a running number of the filing
// kiosk's own offline block, written with the service's prefix and width:
// any other (the online range, another kiosk's block) could be a second
// citizen's, and is refused with not_allowed.
//
// # Ordering rules for call next
//
// When a counter calls next, the controller picks, in order (the Balance
// policy, the default), among the tickets waiting (never a held one):
//
//  1. a ticket transferred to this counter by name, the earliest transferred first;
//
//  2. otherwise, among the services this counter serves, a legal-priority
//     ticket before ordinary ones, unless the counter's last
//     Rules.PriorityMaxInRow calls were all priority tickets and an ordinary
//     ticket is waiting: then an ordinary ticket goes first, so ordinary
//     citizens are never starved;
//
//  3. within that class, a ticket that has waited more than twice its
//     service's target wait, or more than 55 minutes, the furthest past its
//     target first (the minutes past it divided by the 0.15th power of the
//     mean service minutes at this counter, a slight lean to quick
//     services): nobody is left far behind while others are served on
//     time. When every line the counter could call from has waited more
//     than 1.5 times its target (a surge), all are ordered so;
//
//  4. otherwise the line with the highest urgency,
//
//     (minutes waited + 1 + 4 × minutes due) / target minutes × level weight
//     / (mean service minutes at this counter)^0.4 / ∜(open counters serving it)
//
//     the share of its target wait a ticket has used, leaning a little to
//     the counter's main services (weight 1, 0.95 at level 2, 0.9 beyond),
//     to services this counter serves quickly and to services few open
//     counters can serve. A secondary service's ticket may so go before a
//     main one's: the level is a preference, no longer a wall. The minutes
//     due are those waited beyond 2 minutes before the wait printed on the
//     ticket, when that wait is within the target (0 before, and for a
//     ticket called or transferred since): a citizen nearing the wait
//     printed for them is hurried, so that the printed wait is kept more
//     often and by less, by whichever counter frees first;
//
//  5. within one service and class, the ticket that arrived first: only the
//     first of a line is ever called. Arrival is the time the citizen took
//     the ticket and is kept across transfers, so a transferred citizen does
//     not start again at the back.
//
// The score grows with the wait, so no service starves behind another. The
// rule that decided is written on the call's event (Event.Detail:
// "transferred", "priority", "priority_cap", "threshold" or "score"), and
// Engine.Lines shows what the policy saw, so that a call can be explained to
// a citizen who saw a later number called first.
//
// Options.Policy replaces rules 2 to 5. PolicyNamed has the references the
// simulator (controller/sim) measures the default against: "levels" is this
// engine's former ordering (a counter's best level with anybody waiting,
// then legal priority, then arrival), "dedicated", "priority",
// "longest-wait", and "fcfs" and "shortest" for the anchors that ignore
// counter skills. BENCHMARKS.md has the figures.
//
// # Printed wait
//
// The wait printed on a ticket (Ticket.Wait) is predicted by replaying the
// policy forward from the live state: each open counter finishes its
// current citizen (after the remaining time, given how long it has
// lasted), then calls by the same policy, each call taking the service time
// learned for that service at that counter; citizens keep arriving at the
// rate this time of day usually sees, scaled by how busy today is, because
// a later citizen may be called first. The prediction is the middle (the
// mean of the middle half) of DefaultSamples replays, more when they are
// short, with service times drawn from lognormal distributions and
// arrivals from Poisson ones, the service times spread over the replays by
// Latin hypercube sampling (one replay with expected times when the ticket
// is far down a long queue). Service times, their spread and the arrivals
// by time of day are learned from every ticket handled, and from History
// at start.
// ServiceState.WaitSeconds is one expected replay for a new ticket.
//
// # Counter advice
//
// Advise tells the manager which counter to move to which service: when a
// service is predicted to miss its target while a counter whose services
// are all well within theirs could help, it proposes the move that cuts the
// predicted wait most, and later the move back. Reassign applies a move.
//
// Calling a specific ticket (call_ticket) is allowed for any ticket the counter
// could serve, and is recorded as an event naming the counter.
//
// Calling another ticket (call next, recall, call ticket) while a ticket is
// current completes the current one as served.
package engine
