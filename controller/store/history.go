package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
)

// History reads what the engine's wait predictor learns from: the service
// times of every visit that ended (served or no show) and the tickets
// issued per slot of the day, over the days from since (inclusive) to
// before (exclusive), dates "2006-01-02" in the centre's zone loc. The
// controller passes the days before the one it restores, so that
// Engine.Restore adds the current day once.
func (s *Store) History(ctx context.Context, since, before string, loc *time.Location) (*engine.History, error) {
	h := &engine.History{}
	rows, err := s.db.QueryContext(ctx, `SELECT service, counter, COUNT(*), AVG(d), AVG(d * d) FROM (
		SELECT service, counter, (finished - called) / 1e9 AS d FROM tickets
		WHERE day >= ? AND day < ? AND outcome IN ('served', 'no_show') AND called > 0 AND finished > called)
		GROUP BY service, counter`, since, before)
	if err != nil {
		return nil, fmt.Errorf("read service times: %w", err)
	}
	type sum struct{ n, s1, s2 float64 }
	per := map[string]*sum{}
	var order []string
	add := func(service, counter string, n int, mean, sq float64) {
		sd := math.Sqrt(max(sq-mean*mean, 0))
		h.ServiceTimes = append(h.ServiceTimes, engine.ServiceTime{Service: service, Counter: counter, N: n,
			Mean: seconds(mean), SD: seconds(sd)})
	}
	for rows.Next() {
		var service, counter string
		var n int
		var mean, sq float64
		if err := rows.Scan(&service, &counter, &n, &mean, &sq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read service time: %w", err)
		}
		add(service, counter, n, mean, sq)
		if per[service] == nil {
			per[service] = &sum{}
			order = append(order, service)
		}
		p := per[service]
		p.n += float64(n)
		p.s1 += float64(n) * mean
		p.s2 += float64(n) * sq
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read service times: %w", err)
	}
	for _, service := range order {
		p := per[service]
		add(service, "", int(p.n), p.s1/p.n, p.s2/p.n)
	}

	// Arrivals by the service and class a ticket was issued for: the
	// "issued" events, since a ticket's row holds its latest service.
	rows, err = s.db.QueryContext(ctx, `SELECT service, detail, at FROM events
		WHERE kind IN ('issued', 'issued_offline') AND at >= ?`, nanos(dayStart(since, loc)))
	if err != nil {
		return nil, fmt.Errorf("read arrivals: %w", err)
	}
	type key struct {
		service  string
		priority bool
	}
	counts := map[key]*[engine.SlotsPerDay]float64{}
	var keys []key
	days := map[string]bool{}
	for rows.Next() {
		var service, detail string
		var at int64
		if err := rows.Scan(&service, &detail, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read arrival: %w", err)
		}
		t := fromNanos(at).In(loc)
		day := t.Format(time.DateOnly)
		if day < since || day >= before {
			continue
		}
		days[day] = true
		k := key{service, detail != ""}
		if counts[k] == nil {
			counts[k] = &[engine.SlotsPerDay]float64{}
			keys = append(keys, k)
		}
		counts[k][(t.Hour()*60+t.Minute())/int(engine.Slot/time.Minute)]++
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read arrivals: %w", err)
	}
	for _, k := range keys {
		a := engine.Arrivals{Service: k.service, Priority: k.priority, Days: len(days)}
		for i, n := range counts[k] {
			a.PerSlot[i] = n / float64(len(days))
		}
		h.Arrivals = append(h.Arrivals, a)
	}
	return h, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// dayStart is local midnight of day in loc, or the zero time if day does
// not parse.
func dayStart(day string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return time.Time{}
	}
	return t
}
