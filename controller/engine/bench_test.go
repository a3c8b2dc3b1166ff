package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/sim"
	"github.com/sothutu/sothutu/protocol"
)

// peakGap is the time between two tickets at the city centre's morning
// peak (about 210 an hour): the predictor expects arrivals at the rate it
// has seen.
const peakGap = 17 * time.Second

// cityEngine is the simulator's city centre (30 counters, 20 services) in
// the morning peak: every counter serving and about waiting tickets
// waiting, spread over the services by their shares.
func cityEngine(b *testing.B, samples, waiting int) (*engine.Engine, *sim.Scenario, time.Time) {
	s, err := sim.Load("city")
	if err != nil {
		b.Fatal(err)
	}
	e := engine.New(engine.Options{Centre: s.Centre(false), Secret: []byte("s"), Samples: samples})
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, hcm)
	key := 0
	do := func(a engine.Actor, req protocol.Request) protocol.Reply {
		key++
		req.Key = fmt.Sprint(key)
		now = now.Add(peakGap)
		return e.Handle(now, a, req)
	}
	for i := range waiting + len(s.Counters) {
		sv := pickService(s, i)
		do(kiosk, protocol.Request{Op: protocol.OpTicket, Service: sv.ID})
	}
	for _, c := range s.Counters {
		do(counter(c.ID), protocol.Request{Op: protocol.OpCallNext})
	}
	e.Flush()
	return e, s, now
}

// pickService is the service of the i-th ticket: the services in turn,
// each as often as its share says.
func pickService(s *sim.Scenario, i int) sim.ServiceSpec {
	x := float64(i%100) / 100
	for _, sv := range s.Services {
		if x -= sv.Share; x < 0 {
			return sv
		}
	}
	return s.Services[len(s.Services)-1]
}

// BenchmarkIssue measures issuing a ticket, its printed wait predicted by
// replaying the policy, with about 100 tickets waiting at the city centre.
func BenchmarkIssue(b *testing.B) {
	for _, bc := range []struct {
		name    string
		samples int
	}{{"median-of-12", 0}, {"expected", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			e, s, now := cityEngine(b, bc.samples, 100)
			var wait time.Duration
			b.ResetTimer()
			for i := range b.N {
				now = now.Add(peakGap)
				sv := pickService(s, i)
				r := e.Handle(now, kiosk, protocol.Request{Key: fmt.Sprint("i", i), Op: protocol.OpTicket, Service: sv.ID})
				wait += time.Duration(r.Ticket.WaitSeconds) * time.Second
				// Keep the queue at about 100: a counter calls the next.
				c := s.Counters[i%len(s.Counters)]
				e.Handle(now, counter(c.ID), protocol.Request{Key: fmt.Sprint("c", i), Op: protocol.OpCallNext})
				e.Flush()
			}
			b.ReportMetric(wait.Minutes()/float64(b.N), "wait-min")
			b.ReportMetric(float64(e.Totals().Waiting), "waiting")
		})
	}
}

// BenchmarkCallNext measures a call next alone (with the completion of the
// counter's current ticket), about 100 tickets waiting.
func BenchmarkCallNext(b *testing.B) {
	e, s, now := cityEngine(b, -1, 100+b.N)
	b.ResetTimer()
	for i := range b.N {
		now = now.Add(peakGap)
		c := s.Counters[i%len(s.Counters)]
		e.Handle(now, counter(c.ID), protocol.Request{Key: fmt.Sprint("c", i), Op: protocol.OpCallNext})
		e.Flush()
	}
}
