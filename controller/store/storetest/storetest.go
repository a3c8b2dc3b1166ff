// Package storetest reads a centre's store for tests through the store's
// own API: every ticket, the latest ticket of a number, the events of some
// kinds with all their columns, the replies given to a device. A test that
// fails to read fails at once.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

// Tickets is every ticket of every day, in the order they were numbered.
func Tickets(tb testing.TB, st *store.Store) []*engine.Ticket {
	tb.Helper()
	var out []*engine.Ticket
	for t, err := range st.Tickets(context.Background(), "", "") {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, t)
	}
	return out
}

// Ticket is the latest ticket numbered number, of any day, or nil.
func Ticket(tb testing.TB, st *store.Store, number string) *engine.Ticket {
	tb.Helper()
	var latest *engine.Ticket
	for _, t := range Tickets(tb, st) {
		if t.Number == number {
			latest = t
		}
	}
	return latest
}

// Count is how many tickets of any day are numbered number.
func Count(tb testing.TB, st *store.Store, number string) int {
	tb.Helper()
	n := 0
	for _, t := range Tickets(tb, st) {
		if t.Number == number {
			n++
		}
	}
	return n
}

// Events is every event of the kinds, with all its columns, in the order
// they were committed.
func Events(tb testing.TB, st *store.Store, kinds ...string) []store.Event {
	tb.Helper()
	if len(kinds) == 0 {
		tb.Fatal("storetest.Events: name the kinds to read")
	}
	var out []store.Event
	q := store.EventQuery{Kinds: kinds, Number: true, Actor: true, Details: kinds}
	for e, err := range st.Events(context.Background(), store.Span{}, q) {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// Replies are the replies the store keeps for device, whatever their age.
func Replies(tb testing.TB, st *store.Store, device string) []protocol.Reply {
	tb.Helper()
	snap, err := st.Load(context.Background(), time.Time{})
	if err != nil {
		tb.Fatal(err)
	}
	var out []protocol.Reply
	for _, r := range snap.Requests {
		if r.Device == device {
			out = append(out, r.Reply)
		}
	}
	return out
}
