// Package store keeps a centre's queue state durably in SQLite
// (modernc.org/sqlite, pure Go), in WAL mode with synchronous=FULL: a Commit
// has reached the disk when it returns, so the controller commits before it
// replies or publishes, and Load rebuilds exactly what was acknowledged.
//
// The tables: tickets (one row per ticket, its latest state), counters,
// sequences (each service's last number per day), requests (every reply
// given, for idempotent retries), events (each step of each visit, for
// reports) and meta (the token secret).
package store
