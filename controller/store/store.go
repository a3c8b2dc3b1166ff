package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/internal/lockfile"
	"github.com/sothutu/sothutu/protocol"
)

const schema = `
CREATE TABLE IF NOT EXISTS tickets (
	id INTEGER PRIMARY KEY,
	day TEXT NOT NULL,
	number TEXT NOT NULL,
	service TEXT NOT NULL,
	priority TEXT NOT NULL,
	lang TEXT NOT NULL,
	token TEXT NOT NULL,
	kiosk TEXT NOT NULL,
	issued INTEGER NOT NULL,
	arrived INTEGER NOT NULL,
	queued INTEGER NOT NULL,
	state TEXT NOT NULL,
	counter TEXT NOT NULL,
	to_counter TEXT NOT NULL,
	called INTEGER NOT NULL,
	calls INTEGER NOT NULL,
	finished INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	rating TEXT NOT NULL,
	ahead INTEGER NOT NULL,
	wait_ns INTEGER NOT NULL,
	UNIQUE (day, number)
);
CREATE TABLE IF NOT EXISTS counters (
	id TEXT PRIMARY KEY,
	skills TEXT NOT NULL,
	status TEXT NOT NULL,
	current INTEGER NOT NULL,
	since INTEGER NOT NULL,
	priority_run INTEGER NOT NULL,
	last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sequences (
	day TEXT NOT NULL,
	service TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (day, service)
);
CREATE TABLE IF NOT EXISTS requests (
	device TEXT NOT NULL,
	key TEXT NOT NULL,
	at INTEGER NOT NULL,
	reply TEXT NOT NULL,
	PRIMARY KEY (device, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	kind TEXT NOT NULL,
	ticket INTEGER NOT NULL,
	number TEXT NOT NULL,
	service TEXT NOT NULL,
	counter TEXT NOT NULL,
	actor TEXT NOT NULL,
	detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	opened INTEGER NOT NULL,
	closed INTEGER NOT NULL,
	detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TABLE IF NOT EXISTS meta (
	key TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
`

// Store is a centre's durable state. Commit is called by one goroutine at a
// time; the read methods may run alongside.
type Store struct {
	db                        *sql.DB
	upsertTicket, upsertCount *sql.Stmt
	upsertSeq, insertReq      *sql.Stmt
	insertEvent               *sql.Stmt
	lock                      *lockfile.Lock
}

// Open opens or creates the database at path, for this process alone: two
// controllers on one database would give one number to two citizens. If
// another process has it open, the error wraps lockfile.ErrHeld and names
// that process.
func Open(path string) (*Store, error) {
	lock, err := lockfile.Acquire(path, "controller", "-db")
	if err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(5000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.Release()
		return nil, fmt.Errorf("sql.Open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema + figuresSchema); err != nil {
		db.Close()
		lock.Release()
		return nil, fmt.Errorf("create schema in %s: %w", path, err)
	}
	s := &Store{db: db, lock: lock}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.upsertTicket, `INSERT INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (id) DO UPDATE SET service=excluded.service, queued=excluded.queued,
			state=excluded.state, counter=excluded.counter, to_counter=excluded.to_counter,
			called=excluded.called, calls=excluded.calls, finished=excluded.finished,
			outcome=excluded.outcome, rating=excluded.rating`},
		{&s.upsertCount, `INSERT OR REPLACE INTO counters VALUES (?,?,?,?,?,?,?)`},
		{&s.upsertSeq, `INSERT OR REPLACE INTO sequences VALUES (?,?,?)`},
		{&s.insertReq, `INSERT OR REPLACE INTO requests VALUES (?,?,?,?)`},
		{&s.insertEvent, `INSERT INTO events (at, kind, ticket, number, service, counter, actor, detail) VALUES (?,?,?,?,?,?,?,?)`},
	} {
		if *p.stmt, err = db.Prepare(p.sql); err != nil {
			db.Close()
			lock.Release()
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	return s, nil
}

// Close closes the database and lets another process open it.
func (s *Store) Close() error {
	err := s.db.Close()
	return errors.Join(err, s.lock.Release())
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Commit writes batches in one transaction. When it returns nil the changes
// are on disk.
func (s *Store) Commit(ctx context.Context, batches ...*engine.Batch) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	ticket, counter := tx.StmtContext(ctx, s.upsertTicket), tx.StmtContext(ctx, s.upsertCount)
	seq, req, event := tx.StmtContext(ctx, s.upsertSeq), tx.StmtContext(ctx, s.insertReq), tx.StmtContext(ctx, s.insertEvent)
	for _, b := range batches {
		for _, t := range b.Tickets {
			if _, err := ticket.ExecContext(ctx, t.ID, t.Day, t.Number, t.Service, string(t.Priority), t.Lang,
				t.Token, t.Kiosk, nanos(t.Issued), nanos(t.Arrived), nanos(t.Queued), string(t.State),
				t.Counter, t.ToCounter, nanos(t.Called), t.Calls, nanos(t.Finished), string(t.Outcome),
				string(t.Rating), t.Ahead, int64(t.Wait)); err != nil {
				return fmt.Errorf("write ticket %s: %w", t.Number, err)
			}
		}
		for _, c := range b.Counters {
			skills, err := json.Marshal(c.Skills)
			if err != nil {
				return fmt.Errorf("encode skills of counter %s: %w", c.ID, err)
			}
			if _, err := counter.ExecContext(ctx, c.ID, string(skills), string(c.Status), c.Current,
				nanos(c.Since), c.PriorityRun, c.Last); err != nil {
				return fmt.Errorf("write counter %s: %w", c.ID, err)
			}
		}
		for _, q := range b.Seqs {
			if _, err := seq.ExecContext(ctx, q.Day, q.Service, q.N); err != nil {
				return fmt.Errorf("write sequence %s: %w", q.Service, err)
			}
		}
		for _, e := range b.Events {
			if _, err := event.ExecContext(ctx, nanos(e.At), e.Kind, e.Ticket, e.Number, e.Service,
				e.Counter, e.Actor, e.Detail); err != nil {
				return fmt.Errorf("write event: %w", err)
			}
		}
		for _, r := range b.Requests {
			reply, err := json.Marshal(r.Reply)
			if err != nil {
				return fmt.Errorf("encode reply: %w", err)
			}
			if _, err := req.ExecContext(ctx, r.Device, r.Key, nanos(r.At), string(reply)); err != nil {
				return fmt.Errorf("write request %s/%s: %w", r.Device, r.Key, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

const ticketColumns = `id, day, number, service, priority, lang, token, kiosk, issued, arrived, queued,
	state, counter, to_counter, called, calls, finished, outcome, rating, ahead, wait_ns`

func scanTicket(rows *sql.Rows) (*engine.Ticket, error) {
	var t engine.Ticket
	var issued, arrived, queued, called, finished, wait int64
	var priority, state, outcome, rating string
	err := rows.Scan(&t.ID, &t.Day, &t.Number, &t.Service, &priority, &t.Lang, &t.Token, &t.Kiosk,
		&issued, &arrived, &queued, &state, &t.Counter, &t.ToCounter, &called, &t.Calls, &finished,
		&outcome, &rating, &t.Ahead, &wait)
	if err != nil {
		return nil, fmt.Errorf("read ticket: %w", err)
	}
	t.Priority, t.State, t.Outcome, t.Rating = protocol.Priority(priority), engine.State(state), engine.Outcome(outcome), protocol.Rating(rating)
	t.Issued, t.Arrived, t.Queued = fromNanos(issued), fromNanos(arrived), fromNanos(queued)
	t.Called, t.Finished, t.Wait = fromNanos(called), fromNanos(finished), time.Duration(wait)
	return &t, nil
}

// Load reads the committed state: the latest day's tickets, the counters, the latest day's numbers and the replies given since
// keepSince.
func (s *Store) Load(ctx context.Context, keepSince time.Time) (*engine.Snapshot, error) {
	snap := &engine.Snapshot{}
	var day sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT max(day) FROM sequences`).Scan(&day); err != nil {
		return nil, fmt.Errorf("read day: %w", err)
	}
	snap.Day = day.String
	rows, err := s.db.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE day = ? ORDER BY id`, snap.Day)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		snap.Tickets = append(snap.Tickets, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM tickets`).Scan(&snap.NextID); err != nil {
		return nil, fmt.Errorf("read ticket ids: %w", err)
	}

	rows, err = s.db.QueryContext(ctx, `SELECT id, skills, status, current, since, priority_run, last FROM counters`)
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	for rows.Next() {
		var c engine.Counter
		var skills, status string
		var since int64
		if err := rows.Scan(&c.ID, &skills, &status, &c.Current, &since, &c.PriorityRun, &c.Last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read counter: %w", err)
		}
		if err := json.Unmarshal([]byte(skills), &c.Skills); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read skills of counter %s: %w", c.ID, err)
		}
		c.Status, c.Since = protocol.CounterStatus(status), fromNanos(since)
		snap.Counters = append(snap.Counters, &c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}

	rows, err = s.db.QueryContext(ctx, `SELECT day, service, n FROM sequences WHERE day = ?`, snap.Day)
	if err != nil {
		return nil, fmt.Errorf("read sequences: %w", err)
	}
	for rows.Next() {
		var q engine.Seq
		if err := rows.Scan(&q.Day, &q.Service, &q.N); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read sequence: %w", err)
		}
		snap.Seqs = append(snap.Seqs, q)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read sequences: %w", err)
	}

	rows, err = s.db.QueryContext(ctx, `SELECT device, key, at, reply FROM requests WHERE at >= ?`, nanos(keepSince))
	if err != nil {
		return nil, fmt.Errorf("read requests: %w", err)
	}
	for rows.Next() {
		var r engine.Request
		var at int64
		var reply string
		if err := rows.Scan(&r.Device, &r.Key, &at, &reply); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read request: %w", err)
		}
		if err := json.Unmarshal([]byte(reply), &r.Reply); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read reply %s/%s: %w", r.Device, r.Key, err)
		}
		r.At = fromNanos(at)
		snap.Requests = append(snap.Requests, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read requests: %w", err)
	}
	return snap, nil
}

// Prune deletes replies older than before; they can no longer be asked for.
func (s *Store) Prune(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM requests WHERE at < ?`, nanos(before)); err != nil {
		return fmt.Errorf("prune requests: %w", err)
	}
	return nil
}

// Secret returns the centre's token secret, creating it on first use.
func (s *Store) Secret(ctx context.Context) ([]byte, error) {
	var secret []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'secret'`).Scan(&secret)
	if err == nil {
		return secret, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	secret = make([]byte, 32)
	rand.Read(secret)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO meta VALUES ('secret', ?)`, secret); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return secret, nil
}
