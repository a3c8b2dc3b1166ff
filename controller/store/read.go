package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"math"
	"strings"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
)

// Span is the span of time [From, To) a read covers. A zero From reads
// from the first record, a zero To to the last.
type Span struct{ From, To time.Time }

// bounds are the span's ends in the store's nanoseconds.
func (s Span) bounds() (from, to int64) {
	from, to = nanos(s.From), math.MaxInt64
	if !s.To.IsZero() {
		to = s.To.UnixNano()
	}
	return from, to
}

// Event is one step of a visit as the store keeps it, with the time its
// ticket was issued: a visit's wait starts there when its first event
// lies before the span read.
type Event struct {
	engine.Event
	Issued time.Time // the ticket's; zero for an event of no ticket
}

// EventQuery says which events of a span Events reads and which of their
// text columns. Kind, service and counter are always read; the others
// only when asked for, since each costs a string per event and a month's
// report reads 200,000 events. (Even a column of large integers costs an
// allocation per event, which is why an Event carries no id.)
type EventQuery struct {
	Kinds         []string // the kinds read; none reads every kind
	Number, Actor bool
	Details       []string // the kinds whose detail is read; the others' is ""
	// ByTime reads the events in the order of their times, those of one
	// time as committed, through the index on time: quicker when the
	// kinds asked for are a few of the span's events. Without it the
	// span's rows are scanned in the order they were committed.
	ByTime bool
}

// Events reads the events of span that q asks for, in the order they
// were committed, or by time if q says so. The loop's body must not call
// the store: its one connection is the loop's until the loop ends.
func (s *Store) Events(ctx context.Context, span Span, q EventQuery) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		from, to := span.bounds()
		where, order := `e.at >= ? AND e.at < ?`, `e.at, e.id`
		bounds := []any{from, to}
		if !q.ByTime {
			// Ids grow with time: scan the id range of the span's events
			// in id order rather than sort them by time.
			var lo, hi sql.NullInt64
			if err := s.db.QueryRowContext(ctx, `SELECT min(id), max(id) FROM events WHERE at >= ? AND at < ?`,
				from, to).Scan(&lo, &hi); err != nil {
				yield(Event{}, fmt.Errorf("store.Events: read event ids: %w", err))
				return
			}
			if !lo.Valid {
				return
			}
			where, order = `e.id BETWEEN ? AND ? AND +e.at >= ? AND +e.at < ?`, `e.id`
			bounds = []any{lo.Int64, hi.Int64, from, to}
		}
		query, args := eventsQuery(q, where, bounds, order)
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			yield(Event{}, fmt.Errorf("store.Events: %w", err))
			return
		}
		defer rows.Close()
		var e Event
		var at, issued int64
		var kind int
		kindColumn := any(&e.Kind)
		if len(q.Kinds) > 0 {
			kindColumn = &kind
		}
		for rows.Next() {
			if err := rows.Scan(&at, kindColumn, &e.Ticket, &e.Number, &e.Service, &e.Counter,
				&e.Actor, &e.Detail, &issued); err != nil {
				yield(Event{}, fmt.Errorf("store.Events: read event: %w", err))
				return
			}
			if len(q.Kinds) > 0 {
				if kind < 0 || kind >= len(q.Kinds) {
					yield(Event{}, fmt.Errorf("store.Events: an event at %s of a kind not asked for", fromNanos(at)))
					return
				}
				e.Kind = q.Kinds[kind] // the caller's string: none made per event
			}
			e.At, e.Issued = fromNanos(at), fromNanos(issued)
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Event{}, fmt.Errorf("store.Events: %w", err))
		}
	}
}

// eventsQuery is the query of q over the events where holds with its
// bounds, in order, and its arguments. A kind asked for is read as its
// index in q.Kinds, a column not asked for as "", to spare a string per
// column and event.
func eventsQuery(q EventQuery, where string, bounds []any, order string) (string, []any) {
	var args []any
	list := func(kinds []string) string {
		for _, k := range kinds {
			args = append(args, k)
		}
		return strings.Repeat("?,", len(kinds)-1) + "?"
	}
	var b strings.Builder
	b.WriteString("SELECT e.at, ")
	if len(q.Kinds) == 0 {
		b.WriteString("e.kind")
	} else {
		b.WriteString("CASE e.kind")
		for i, k := range q.Kinds {
			fmt.Fprintf(&b, " WHEN ? THEN %d", i)
			args = append(args, k)
		}
		b.WriteString(" ELSE -1 END")
	}
	b.WriteString(", e.ticket, ")
	b.WriteString(column(q.Number, "e.number"))
	b.WriteString(", e.service, e.counter, ")
	b.WriteString(column(q.Actor, "e.actor"))
	if len(q.Details) == 0 {
		b.WriteString(", ''")
	} else {
		b.WriteString(", CASE WHEN e.kind IN (" + list(q.Details) + ") THEN e.detail ELSE '' END")
	}
	b.WriteString(`, coalesce(t.issued, 0)
		FROM events e LEFT JOIN tickets t ON t.id = e.ticket
		WHERE ` + where)
	args = append(args, bounds...)
	if len(q.Kinds) > 0 {
		b.WriteString(" AND e.kind IN (" + list(q.Kinds) + ")")
	}
	b.WriteString(" ORDER BY " + order)
	return b.String(), args
}

// column is name if it is read, an empty text if not.
func column(read bool, name string) string {
	if read {
		return name
	}
	return "''"
}

// Tickets reads the tickets numbered on the local days from since
// (inclusive) to before (exclusive), dates "2006-01-02", in the order
// they were numbered; an empty since reads from the first day, an empty
// before to the latest. The loop's body must not call the store: its one
// connection is the loop's until the loop ends.
func (s *Store) Tickets(ctx context.Context, since, before string) iter.Seq2[*engine.Ticket, error] {
	return func(yield func(*engine.Ticket, error) bool) {
		query := `SELECT ` + ticketColumns + ` FROM tickets WHERE day >= ?`
		args := []any{since}
		if before != "" {
			query += ` AND day < ?`
			args = append(args, before)
		}
		rows, err := s.db.QueryContext(ctx, query+` ORDER BY id`, args...)
		if err != nil {
			yield(nil, fmt.Errorf("store.Tickets: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				yield(nil, fmt.Errorf("store.Tickets: %w", err))
				return
			}
			if !yield(t, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("store.Tickets: %w", err))
		}
	}
}
