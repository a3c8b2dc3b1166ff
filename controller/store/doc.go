// Package store keeps a centre's queue state durably in SQLite
// (modernc.org/sqlite, pure Go), in WAL mode with synchronous=FULL: a Commit
// has reached the disk when it returns, so the controller commits before it
// replies or publishes, and Load rebuilds exactly what was acknowledged.
//
// The tables: tickets (one row per ticket, its latest state), counters,
// sequences (each service's last number per day), requests (every reply
// given, for idempotent retries), events (each step of each visit, for
// reports) and meta (the token secret).
//
// Other packages read the store through its API alone, never with SQL of
// their own: Events and Tickets are iterators over a span's events and
// the tickets of days, History is what the wait predictor learns from,
// and the figures and alerts have their own methods. Tests of other
// packages read it through storetest.
//
// A ticket's row holds its state as the engine names it, held and the
// outcome voided included, so that a restart keeps a held ticket held and
// its hold's end where it was (the issue time). Tickets are counted from
// the events, never from the rows: a held ticket has a "held" event and
// its "issued" one only once its kiosk confirms it, and a voided one a
// "voided" event, so that History's arrivals and the reports see only the
// tickets that reached a citizen.
//
// Every index is a page written by every commit that touches its table, and
// page writes are most of a commit's cost after the fsync, so the tables
// carry only the indexes the controller reads by. Only the latest day's
// tickets are ever loaded: no ticket of an earlier day can still be open,
// since the engine ends them all, in the same commit, before it numbers a
// new day.
package store
