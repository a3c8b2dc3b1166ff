package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/controller/store/storetest"
)

// readFixture commits two days' tickets and their events straight to s,
// and returns them as committed.
func readFixture(t *testing.T, s *store.Store) ([]*engine.Ticket, []engine.Event) {
	loc := example(t).Location
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, loc) }
	tickets := []*engine.Ticket{
		{ID: 1, Day: "2026-11-23", Number: "A001", Service: "A", Lang: "vi", Kiosk: "kiosk-1", Issued: at(23, 8, 0),
			Arrived: at(23, 8, 0), Queued: at(23, 8, 0), State: engine.Done, Counter: "1", Called: at(23, 8, 5),
			Calls: 1, Finished: at(23, 8, 15), Outcome: engine.Served},
		{ID: 2, Day: "2026-11-23", Number: "B001", Service: "B", Lang: "en", Kiosk: "kiosk-1", Issued: at(23, 9, 0),
			Arrived: at(23, 9, 0), Queued: at(23, 9, 0), State: engine.Waiting},
		{ID: 3, Day: "2026-11-24", Number: "A001", Service: "A", Lang: "vi", Kiosk: "kiosk-2", Issued: at(24, 8, 0),
			Arrived: at(24, 8, 0), Queued: at(24, 8, 0), State: engine.Waiting},
	}
	events := []engine.Event{
		{At: at(23, 7, 25), Kind: "signed_in", Counter: "1", Actor: "web:lan"},
		{At: at(23, 8, 0), Kind: "issued", Ticket: 1, Number: "A001", Service: "A", Actor: "kiosk-1"},
		{At: at(23, 8, 5), Kind: "called", Ticket: 1, Number: "A001", Service: "A", Counter: "1", Actor: "counter-1", Detail: "balance"},
		{At: at(23, 8, 15), Kind: "served", Ticket: 1, Number: "A001", Service: "A", Counter: "1", Actor: "counter-1"},
		{At: at(23, 8, 16), Kind: "rated", Ticket: 1, Number: "A001", Service: "A", Counter: "1", Actor: "counter-1", Detail: "satisfied"},
		{At: at(23, 9, 0), Kind: "issued", Ticket: 2, Number: "B001", Service: "B", Actor: "kiosk-1", Detail: "elderly"},
		{At: at(24, 8, 0), Kind: "issued", Ticket: 3, Number: "A001", Service: "A", Actor: "kiosk-2"},
		// Committed last, earlier than all: a clock set back.
		{At: at(23, 7, 0), Kind: "signed_in", Counter: "2", Actor: "web:hoa"},
	}
	b := engine.Batch{Tickets: tickets, Events: events}
	if err := s.Commit(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return tickets, events
}

// Events reads a span's events of the kinds asked for, in commit order or
// by time, with the columns asked for and their tickets' issue times.
func TestEvents(t *testing.T) {
	s, _ := open(t)
	tickets, events := readFixture(t, s)
	issued := map[int64]time.Time{}
	for _, tk := range tickets {
		issued[tk.ID] = tk.Issued
	}
	loc := example(t).Location
	day := store.Span{From: time.Date(2026, 11, 23, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 24, 0, 0, 0, 0, loc)}
	// want is the events numbered ids (from 1), with only the columns q reads.
	want := func(q store.EventQuery, ids ...int) []store.Event {
		var out []store.Event
		for _, id := range ids {
			e := events[id-1]
			if !q.Number {
				e.Number = ""
			}
			if !q.Actor {
				e.Actor = ""
			}
			detail := false
			for _, k := range q.Details {
				detail = detail || k == e.Kind
			}
			if !detail {
				e.Detail = ""
			}
			// The store gives times in the local zone.
			e.At = time.Unix(0, e.At.UnixNano())
			read := store.Event{Event: e}
			if t, ok := issued[e.Ticket]; ok {
				read.Issued = time.Unix(0, t.UnixNano())
			}
			out = append(out, read)
		}
		return out
	}
	tests := []struct {
		name string
		span store.Span
		q    store.EventQuery
		ids  []int
	}{
		{"every event, every column", store.Span{},
			store.EventQuery{Number: true, Actor: true, Details: []string{"signed_in", "issued", "called", "served", "rated"}},
			[]int{1, 2, 3, 4, 5, 6, 7, 8}},
		{"a day's events, no text column", day, store.EventQuery{}, []int{1, 2, 3, 4, 5, 6, 8}},
		{"kinds asked for", day, store.EventQuery{Kinds: []string{"rated", "issued"}, Details: []string{"rated"}},
			[]int{2, 5, 6}},
		{"sign-ins with actors", day, store.EventQuery{Kinds: []string{"signed_in"}, Actor: true}, []int{1, 8}},
		{"sign-ins by time", day, store.EventQuery{Kinds: []string{"signed_in"}, Actor: true, ByTime: true}, []int{8, 1}},
		{"a day by time", day, store.EventQuery{ByTime: true}, []int{8, 1, 2, 3, 4, 5, 6}},
		{"a span of an hour", store.Span{From: day.From.Add(8 * time.Hour), To: day.From.Add(9 * time.Hour)},
			store.EventQuery{Kinds: []string{"called", "served"}}, []int{3, 4}},
		{"the next day on", store.Span{From: day.To}, store.EventQuery{Number: true}, []int{7}},
		{"a span of none", store.Span{From: day.To.AddDate(0, 0, 1)}, store.EventQuery{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []store.Event
			for e, err := range s.Events(context.Background(), tt.span, tt.q) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
			}
			if w := want(tt.q, tt.ids...); !reflect.DeepEqual(got, w) {
				t.Errorf("got\n%+v\nwant\n%+v", got, w)
			}
		})
	}
}

// Tickets reads the tickets of a span of days in the order they were
// numbered, and a loop may end early.
func TestTickets(t *testing.T) {
	s, _ := open(t)
	tickets, _ := readFixture(t, s)
	tests := []struct {
		since, before string
		ids           []int64
	}{
		{"", "", []int64{1, 2, 3}},
		{"2026-11-23", "2026-11-24", []int64{1, 2}},
		{"2026-11-24", "", []int64{3}},
		{"", "2026-11-23", nil},
	}
	for _, tt := range tests {
		var ids []int64
		for tk, err := range s.Tickets(context.Background(), tt.since, tt.before) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
			if want := tickets[tk.ID-1]; tk.Number != want.Number || !tk.Issued.Equal(want.Issued) || tk.State != want.State {
				t.Errorf("ticket %d read as %+v, committed %+v", tk.ID, tk, want)
			}
		}
		if !reflect.DeepEqual(ids, tt.ids) {
			t.Errorf("tickets of [%q, %q): %v, want %v", tt.since, tt.before, ids, tt.ids)
		}
	}
	for range s.Tickets(context.Background(), "", "") {
		break
	}
	// The loop that ended early gave the store's connection back.
	if got := storetest.Count(t, s, "A001"); got != 2 {
		t.Errorf("%d tickets A001, want 2", got)
	}
	if tk := storetest.Ticket(t, s, "A001"); tk == nil || tk.ID != 3 {
		t.Errorf("latest A001: %+v, want ticket 3", tk)
	}
}
