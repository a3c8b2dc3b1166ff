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
// # Ordering rules for call next
//
// When a counter calls next, the controller picks, in order:
//
//  1. a ticket transferred to this counter by name, the earliest transferred first;
//  2. otherwise, among the services this counter serves, only those at the
//     counter's best level that has anybody waiting (level 1 before level 2,
//     and so on): a counter helps with its secondary services only while
//     nobody waits for its main ones;
//  3. within those services, a legal-priority ticket before ordinary ones,
//     unless the counter's last Rules.PriorityMaxInRow calls were all
//     priority tickets and an ordinary ticket is waiting: then the ordinary
//     ticket goes first, so ordinary citizens are never starved;
//  4. within a class, the ticket that arrived first, across all those
//     services. Arrival is the time the citizen took the ticket and is kept
//     across transfers, so a transferred citizen does not start again at the
//     back.
//
// Calling a specific ticket (call_ticket) is allowed for any ticket the counter
// could serve, and is recorded as an event naming the counter.
//
// Calling another ticket (call next, recall, call ticket) while a ticket is
// current completes the current one as served.
package engine
