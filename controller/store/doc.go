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
// Every index is a page written by every commit that touches its table, and
// page writes are most of a commit's cost after the fsync, so the tables
// carry only the indexes the controller reads by. Only the latest day's
// tickets are ever loaded: no ticket of an earlier day can still be open,
// since the engine ends them all, in the same commit, before it numbers a
// new day.
package store
