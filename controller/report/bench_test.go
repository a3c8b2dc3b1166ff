package report_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/report"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

// benchCentre is the example centre grown to 24 counters, each serving
// every service, enough for 2,000 tickets a day.
func benchCentre(tb testing.TB) *config.Centre {
	c := exampleCentre(tb)
	for i := len(c.Counters) + 1; i <= 24; i++ {
		id := strconv.Itoa(i)
		c.Counters = append(c.Counters, config.Counter{ID: id, Name: config.Text{VI: "Quầy " + id, EN: "Counter " + id},
			Services: []config.Skill{{Service: "A", Level: 1}}})
	}
	return c
}

type benchEvent struct {
	at                                    time.Time
	kind, service, counter, actor, detail string
	ticket                                int64
	number                                string
}

// fillMonth writes 30 days of perDay tickets each, and their events, as
// the engine would have: sign-ins in the morning and at the noon shift
// change, calls, calls again, no-shows, transfers, offline tickets, ratings
// and some re-ratings, a tenth of the actions from the web pages. It
// commits them in one batch, as written rows rather than through the
// engine, so that a month fills in seconds.
func fillMonth(tb testing.TB, st *store.Store, c *config.Centre, perDay int) {
	var batch engine.Batch
	rng := rand.New(rand.NewPCG(5, 5))
	services := []string{"A", "B", "C", "D", "E", "F"}
	counters := len(c.Counters)
	id := int64(0)
	minutes := func(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }
	for d := range 30 {
		start := time.Date(2026, 11, 1+d, 0, 0, 0, 0, hcm)
		day := start.Format(time.DateOnly)
		var evs []benchEvent
		staffAt := func(k int, at time.Time) string {
			if at.Hour() >= 12 && k%3 == 0 {
				return fmt.Sprint("nv", k+100)
			}
			return fmt.Sprint("nv", k)
		}
		for k := 1; k <= counters; k++ {
			evs = append(evs, benchEvent{at: start.Add(7*time.Hour + 25*time.Minute), kind: "signed_in", counter: strconv.Itoa(k), actor: "web:" + staffAt(k, start)})
			if k%3 == 0 {
				evs = append(evs, benchEvent{at: start.Add(12 * time.Hour), kind: "signed_in", counter: strconv.Itoa(k), actor: "web:" + staffAt(k, start.Add(12*time.Hour))})
			}
		}
		seq := map[string]int{}
		for range perDay {
			id++
			svc := services[rng.IntN(len(services))]
			seq[svc]++
			number := fmt.Sprintf("%s%03d", svc, seq[svc])
			issued := start.Add(7*time.Hour + 30*time.Minute + time.Duration(rng.Int64N(int64(9*time.Hour))))
			k := rng.IntN(counters) + 1
			counter := strconv.Itoa(k)
			actor := func(at time.Time) string {
				if rng.IntN(10) == 0 {
					return "web:" + staffAt(k, at)
				}
				return "counter-" + counter
			}
			ev := func(at time.Time, kind, service, detail string) {
				evs = append(evs, benchEvent{at: at, kind: kind, service: service, counter: counter, actor: actor(at), detail: detail, ticket: id, number: number})
			}
			if rng.IntN(30) == 0 {
				evs = append(evs, benchEvent{at: issued.Add(10 * time.Minute), kind: "issued_offline", service: svc, actor: "kiosk-1", ticket: id, number: number})
			} else {
				evs = append(evs, benchEvent{at: issued, kind: "issued", service: svc, actor: "kiosk-1", ticket: id, number: number})
			}
			called := issued.Add(minutes(rng.ExpFloat64() * 15))
			ev(called, "called", svc, "balance")
			last := called
			if rng.IntN(10) == 0 {
				last = called.Add(time.Minute)
				ev(last, "called_again", svc, "")
			}
			outcome, service := "served", svc
			switch x := rng.IntN(20); {
			case x == 0:
				outcome = "no_show"
				ev(called.Add(3*time.Minute), "no_show", svc, "")
			case x == 1:
				to := services[rng.IntN(len(services))]
				at := last.Add(4 * time.Minute)
				ev(at, "transferred", svc, "service "+to)
				k = rng.IntN(counters) + 1
				counter = strconv.Itoa(k)
				last = at.Add(10 * time.Minute)
				ev(last, "called", to, "balance")
				service = to
			}
			finished := last.Add(minutes(2 + rng.ExpFloat64()*6))
			if outcome == "served" {
				ev(finished, "served", service, "")
				if rng.IntN(5) < 2 {
					r := protocol.Ratings[rng.IntN(4)]
					ev(finished.Add(30*time.Second), "rated", service, string(r))
					if rng.IntN(20) == 0 {
						ev(finished.Add(50*time.Second), "rated", service, string(protocol.RatingSatisfied))
					}
				}
			}
			batch.Tickets = append(batch.Tickets, &engine.Ticket{ID: id, Day: day, Number: number, Service: service,
				Lang: "vi", Token: "tok", Kiosk: "kiosk-1", Issued: issued, Arrived: issued, Queued: issued,
				State: engine.Done, Counter: counter, Called: last, Calls: 1, Finished: finished, Outcome: engine.Outcome(outcome)})
		}
		slices.SortStableFunc(evs, func(a, b benchEvent) int { return a.at.Compare(b.at) })
		for _, e := range evs {
			batch.Events = append(batch.Events, engine.Event{At: e.at, Kind: e.kind, Ticket: e.ticket, Number: e.number,
				Service: e.service, Counter: e.counter, Actor: e.actor, Detail: e.detail})
		}
	}
	if err := st.Commit(context.Background(), &batch); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkMonthReport builds a month's report of a centre issuing 2,000
// tickets a day (60,000 tickets, about 217,000 events) and exports it.
func BenchmarkMonthReport(b *testing.B) {
	c := benchCentre(b)
	st := openStore(b)
	fillMonth(b, st, c, 2000)
	events := 0
	for _, err := range st.Events(b.Context(), store.Span{}, store.EventQuery{}) {
		if err != nil {
			b.Fatal(err)
		}
		events++
	}
	b.Logf("%d events", events)
	day := time.Date(2026, 11, 15, 12, 0, 0, 0, hcm)
	opts := report.Options{Centre: c}
	for _, by := range allBy {
		b.Run("by="+string(by), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := report.Build(b.Context(), st, opts, report.Query{Period: report.Month, Day: day, By: by})
				if err != nil || r.Total.Issued != 60000 {
					b.Fatalf("%v, issued %d", err, r.Total.Issued)
				}
			}
		})
	}
	r, err := report.Build(b.Context(), st, opts, report.Query{Period: report.Month, Day: day, By: report.ByStaff})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("xlsx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := r.XLSX(io.Discard, "vi"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
