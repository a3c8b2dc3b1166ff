package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
)

// History gives back the day's arrivals and service times, and an engine
// given it predicts as one that learned them itself.
func TestHistory(t *testing.T) {
	ctx := context.Background()
	centre := example(t)
	s, _ := open(t)
	e, now := randomDay(t, s, centre, 600)
	day := centre.Day(now)
	next := centre.Day(now.Add(24 * time.Hour))

	h, err := s.History(ctx, day, next, centre.Location)
	if err != nil {
		t.Fatal(err)
	}
	var issued float64
	for _, a := range h.Arrivals {
		if a.Days != 1 {
			t.Errorf("arrivals of %s over %d days, want 1", a.Service, a.Days)
		}
		for _, n := range a.PerSlot {
			issued += n
		}
	}
	if int(issued) != e.Totals().Issued {
		t.Errorf("%v arrivals, want the %d tickets issued", issued, e.Totals().Issued)
	}
	learned := map[[2]string]engine.ServiceTime{}
	for _, st := range e.ServiceTimes() {
		learned[[2]string{st.Service, st.Counter}] = st
	}
	if len(h.ServiceTimes) == 0 {
		t.Fatal("no service times")
	}
	for _, st := range h.ServiceTimes {
		l, ok := learned[[2]string{st.Service, st.Counter}]
		if !ok || l.N != st.N || (l.Mean-st.Mean).Abs() > time.Millisecond {
			t.Errorf("service %s at %q: stored %d calls, mean %v; the engine learned %d, %v", st.Service, st.Counter, st.N, st.Mean, l.N, l.Mean)
		}
	}
	// Nothing before the day.
	if h, err := s.History(ctx, "2020-01-01", day, centre.Location); err != nil || len(h.ServiceTimes)+len(h.Arrivals) != 0 {
		t.Errorf("history before the day: %+v, %v", h, err)
	}
}
