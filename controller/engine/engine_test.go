package engine_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// centre is a small centre: counter 1 serves A then B, counter 2 serves B
// then A, counter 3 serves C only.
func centre() *config.Centre {
	return &config.Centre{
		ID: "test", Timezone: "Asia/Ho_Chi_Minh", Location: hcm,
		Rules: config.Rules{PriorityMaxInRow: 2},
		Services: []config.Service{
			{ID: "A", Prefix: "A", Width: 3, Name: config.Text{VI: "Đất đai"}, TargetWait: 20 * time.Minute, MeanService: 10 * time.Minute},
			{ID: "B", Prefix: "B", Width: 3, Name: config.Text{VI: "Hộ tịch"}, TargetWait: 20 * time.Minute, MeanService: 5 * time.Minute},
			{ID: "C", Prefix: "1", Width: 3, Name: config.Text{VI: "Chứng thực"}, TargetWait: 20 * time.Minute, MeanService: 5 * time.Minute},
		},
		Counters: []config.Counter{
			{ID: "1", Services: []config.Skill{{Service: "A", Level: 1}, {Service: "B", Level: 2}}},
			{ID: "2", Services: []config.Skill{{Service: "B", Level: 1}, {Service: "A", Level: 2}}},
			{ID: "3", Services: []config.Skill{{Service: "C", Level: 1}}},
		},
	}
}

var (
	kiosk = engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	board = engine.Actor{Device: "board-1", Kind: protocol.DeviceBoard}
)

func counter(id string) engine.Actor {
	return engine.Actor{Device: "counter-" + id, Kind: protocol.DeviceCounter, Counter: id}
}

// bench drives an engine with a clock that advances a second per command.
type bench struct {
	t   *testing.T
	e   *engine.Engine
	now time.Time
	n   int
}

func newBench(t *testing.T) *bench {
	return &bench{t: t, e: engine.New(engine.Options{Centre: centre(), Secret: []byte("s")}),
		now: time.Date(2026, 11, 23, 8, 0, 0, 0, hcm)}
}

func (b *bench) do(a engine.Actor, req protocol.Request) protocol.Reply {
	b.t.Helper()
	b.now = b.now.Add(time.Second)
	if req.Key == "" {
		b.n++
		req.Key = fmt.Sprint("k", b.n)
	}
	return b.e.Handle(b.now, a, req)
}

func (b *bench) issue(service string, p protocol.Priority) string {
	b.t.Helper()
	r := b.do(kiosk, protocol.Request{Op: protocol.OpTicket, Service: service, Priority: p})
	if !r.OK {
		b.t.Fatalf("issue %s: %v", service, r.Error)
	}
	return r.Ticket.Number
}

// call sends op from counter id and returns the ticket number in the reply.
func (b *bench) call(id string, op protocol.Op) string {
	b.t.Helper()
	r := b.do(counter(id), protocol.Request{Op: op})
	if !r.OK {
		b.t.Fatalf("counter %s %s: %v", id, op, r.Error)
	}
	if r.Ticket == nil {
		return ""
	}
	return r.Ticket.Number
}

func TestNumbering(t *testing.T) {
	b := newBench(t)
	got := []string{b.issue("A", ""), b.issue("A", ""), b.issue("B", ""), b.issue("C", ""), b.issue("A", protocol.PriorityElderly)}
	want := []string{"A001", "A002", "B001", "1001", "A003"}
	if !slices.Equal(got, want) {
		t.Errorf("numbers = %v, want %v", got, want)
	}
}

func TestOrderingRules(t *testing.T) {
	tests := []struct {
		name  string
		setup func(b *bench)
		calls []string // counter ids calling next, in turn
		want  []string // numbers called, "" when nobody
	}{{
		name:  "first come first served within a service",
		setup: func(b *bench) { b.issue("A", ""); b.issue("A", ""); b.issue("A", "") },
		calls: []string{"1", "1", "1", "1"},
		want:  []string{"A001", "A002", "A003", ""},
	}, {
		// The former rule called a counter's main service first whatever
		// waited elsewhere (the "levels" policy keeps it, see
		// TestLevelsPolicy). By score, B001 has waited as long or longer
		// and takes half the time: it goes first.
		name:  "an older ticket of a quicker secondary service before a main one",
		setup: func(b *bench) { b.issue("B", ""); b.issue("A", "") },
		calls: []string{"1", "1"},
		want:  []string{"B001", "A001"},
	}, {
		// A takes twice as long as B, so by score (waited + 1 min) /
		// target × mean^-0.4 an A ticket goes first once it has waited
		// 2^0.4 = 1.32 times as long (plus a minute) as B's first ticket.
		name: "a main service's ticket first once it has waited long enough",
		setup: func(b *bench) {
			b.issue("A", "")
			b.now = b.now.Add(10 * time.Minute)
			b.issue("B", "")
			b.now = b.now.Add(time.Minute)
		},
		calls: []string{"1", "1"},
		want:  []string{"A001", "B001"},
	}, {
		name:  "counter helps with its secondary service when its main one is empty",
		setup: func(b *bench) { b.issue("A", ""); b.issue("A", "") },
		calls: []string{"2", "2"},
		want:  []string{"A001", "A002"},
	}, {
		name: "priority first, at most two in a row while ordinary tickets wait",
		setup: func(b *bench) {
			b.issue("A", "")
			b.issue("A", protocol.PriorityElderly)
			b.issue("A", protocol.PriorityPregnant)
			b.issue("A", protocol.PriorityVeteran)
			b.issue("A", "")
		},
		calls: []string{"1", "1", "1", "1", "1"},
		want:  []string{"A002", "A003", "A001", "A004", "A005"},
	}, {
		name: "priority tickets in a row when nobody else waits",
		setup: func(b *bench) {
			b.issue("A", protocol.PriorityElderly)
			b.issue("A", protocol.PriorityElderly)
			b.issue("A", protocol.PriorityElderly)
		},
		calls: []string{"1", "1", "1"},
		want:  []string{"A001", "A002", "A003"},
	}, {
		name:  "a counter serves only its own services",
		setup: func(b *bench) { b.issue("C", ""); b.issue("A", "") },
		calls: []string{"3", "3", "1"},
		want:  []string{"1001", "", "A001"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBench(t)
			tt.setup(b)
			var got []string
			for _, id := range tt.calls {
				got = append(got, b.call(id, protocol.OpCallNext))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("called %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTransferKeepsArrival(t *testing.T) {
	b := newBench(t)
	b.issue("A", "") // A001, earliest
	if got := b.call("1", protocol.OpCallNext); got != "A001" {
		t.Fatalf("counter 1 called %s, want A001", got)
	}
	b.issue("B", "") // B001
	b.issue("B", "") // B002
	r := b.do(counter("1"), protocol.Request{Op: protocol.OpTransfer, ToService: "B"})
	if !r.OK || r.Counter.Status != protocol.CounterIdle {
		t.Fatalf("transfer: %+v", r)
	}
	// A001 arrived before B001 and B002, so it is first in line for B.
	if got := b.call("2", protocol.OpCallNext); got != "A001" {
		t.Errorf("counter 2 called %s, want the transferred A001", got)
	}
}

func TestTransferToCounterGoesFirst(t *testing.T) {
	b := newBench(t)
	b.issue("A", "")
	b.call("1", protocol.OpCallNext) // A001
	b.issue("B", "")
	b.do(counter("1"), protocol.Request{Op: protocol.OpTransfer, ToCounter: "3"})
	b.issue("C", "")
	if got := b.call("3", protocol.OpCallNext); got != "A001" {
		t.Errorf("counter 3 called %s, want A001 transferred to it", got)
	}
	if got := b.call("2", protocol.OpCallNext); got != "B001" {
		t.Errorf("counter 2 called %s, want B001", got)
	}
}

func TestCounterCommands(t *testing.T) {
	b := newBench(t)
	b.issue("A", "")
	b.issue("A", "")
	b.issue("A", "")
	b.call("1", protocol.OpCallNext) // A001
	if r := b.do(counter("1"), protocol.Request{Op: protocol.OpCallAgain}); !r.OK || r.Ticket.Number != "A001" {
		t.Errorf("call again: %+v", r)
	}
	if r := b.do(counter("1"), protocol.Request{Op: protocol.OpPause}); r.OK || r.Error.Code != protocol.CodeConflict {
		t.Errorf("pause while serving: %+v, want conflict", r)
	}
	b.call("1", protocol.OpPark)
	if got := b.call("1", protocol.OpCallNext); got != "A002" {
		t.Errorf("after park called %s, want A002", got)
	}
	if r := b.do(counter("1"), protocol.Request{Op: protocol.OpRate, Rating: protocol.RatingSatisfied}); r.OK {
		t.Errorf("rate before anything was served: %+v, want error", r)
	}
	if r := b.do(counter("2"), protocol.Request{Op: protocol.OpRecall, Ticket: "A001"}); r.OK {
		t.Errorf("counter 2 recalled a ticket parked at counter 1")
	}
	if got := b.call("1", protocol.OpComplete); got != "A002" {
		t.Errorf("complete answered %s, want A002", got)
	}
	if r := b.do(counter("1"), protocol.Request{Op: protocol.OpRate, Rating: protocol.RatingVerySatisfied}); !r.OK || r.Ticket.Number != "A002" {
		t.Errorf("rate: %+v, want A002 rated", r)
	}
	r := b.do(counter("1"), protocol.Request{Op: protocol.OpRecall, Ticket: "A001"})
	if !r.OK || r.Ticket.Number != "A001" || r.Counter.Status != protocol.CounterServing {
		t.Errorf("recall: %+v", r)
	}
	if got := b.call("1", protocol.OpNoShow); got != "A001" {
		t.Errorf("no show answered %s, want A001", got)
	}
	if r := b.do(counter("1"), protocol.Request{Op: protocol.OpComplete}); r.OK || r.Error.Code != protocol.CodeNoTicket {
		t.Errorf("complete without a ticket: %+v, want no_ticket", r)
	}
	b.call("1", protocol.OpPause)
	if st := b.e.CounterState("1"); st.Status != protocol.CounterPaused {
		t.Errorf("status %s, want paused", st.Status)
	}
	// Calling next from a pause resumes the counter.
	if got := b.call("1", protocol.OpCallNext); got != "A003" {
		t.Errorf("call next after pause: %s, want A003", got)
	}
	if r := b.do(counter("2"), protocol.Request{Op: protocol.OpCallTicket, Ticket: "A003"}); r.OK || r.Error.Code != protocol.CodeConflict {
		t.Errorf("calling a ticket another counter serves: %+v, want conflict", r)
	}
	totals := b.e.Totals()
	if totals.Issued != 3 || totals.Served != 1 || totals.Waiting != 0 {
		t.Errorf("totals %+v", totals)
	}
}

func TestCallTicket(t *testing.T) {
	b := newBench(t)
	b.issue("A", "")
	b.issue("A", "")
	b.issue("C", "")
	if r := b.do(counter("1"), protocol.Request{Op: protocol.OpCallTicket, Ticket: "1001"}); r.OK || r.Error.Code != protocol.CodeNotAllowed {
		t.Errorf("counter 1 called a C ticket: %+v", r)
	}
	if r := b.do(counter("1"), protocol.Request{Op: protocol.OpCallTicket, Ticket: "A002"}); !r.OK || r.Ticket.Number != "A002" {
		t.Errorf("call ticket: %+v", r)
	}
	if got := b.call("2", protocol.OpCallNext); got != "A001" {
		t.Errorf("next after call ticket: %s, want A001", got)
	}
}

func TestAuthorisation(t *testing.T) {
	b := newBench(t)
	b.issue("A", "")
	tests := []struct {
		name  string
		actor engine.Actor
		req   protocol.Request
		code  string
	}{
		{"kiosk calls next", kiosk, protocol.Request{Op: protocol.OpCallNext}, protocol.CodeNotAllowed},
		{"board issues", board, protocol.Request{Op: protocol.OpTicket, Service: "A"}, protocol.CodeNotAllowed},
		{"counter issues", counter("1"), protocol.Request{Op: protocol.OpTicket, Service: "A"}, protocol.CodeNotAllowed},
		{"counter acts for another", counter("1"), protocol.Request{Op: protocol.OpCallNext, Counter: "2"}, protocol.CodeNotAllowed},
		{"unknown service", kiosk, protocol.Request{Op: protocol.OpTicket, Service: "Z"}, protocol.CodeUnknownService},
		{"transfer to unknown counter", counter("9"), protocol.Request{Op: protocol.OpCallNext}, protocol.CodeUnknownCounter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.do(tt.actor, tt.req)
			if r.OK || r.Error.Code != tt.code {
				t.Errorf("reply %+v, want error %s", r, tt.code)
			}
		})
	}
	if got := b.call("1", protocol.OpCallNext); got != "A001" {
		t.Errorf("refused commands changed the queue: called %q", got)
	}
}

func TestIdempotentKeys(t *testing.T) {
	b := newBench(t)
	first := b.do(kiosk, protocol.Request{Key: "press-1", Op: protocol.OpTicket, Service: "A"})
	b.e.Flush()
	again := b.do(kiosk, protocol.Request{Key: "press-1", Op: protocol.OpTicket, Service: "A"})
	if again.Ticket.Number != first.Ticket.Number {
		t.Errorf("repeat got %s, first %s", again.Ticket.Number, first.Ticket.Number)
	}
	if batch := b.e.Flush(); !batch.Empty() {
		t.Errorf("a repeated key changed state: %+v", batch)
	}
	other := b.do(engine.Actor{Device: "kiosk-2", Kind: protocol.DeviceKiosk}, protocol.Request{Key: "press-1", Op: protocol.OpTicket, Service: "A"})
	if other.Ticket.Number == first.Ticket.Number {
		t.Errorf("the same key from another device got the same ticket")
	}
}

// Counters racing for the same queue never get the same ticket.
func TestOneCounterPerTicket(t *testing.T) {
	b := newBench(t)
	for range 50 {
		b.issue("A", "")
		b.issue("B", "")
	}
	seen := map[string]string{}
	for i := range 200 {
		id := []string{"1", "2"}[i%2]
		n := b.call(id, protocol.OpCallNext)
		if n == "" {
			continue
		}
		if other, ok := seen[n]; ok {
			t.Fatalf("%s called by counter %s and counter %s", n, other, id)
		}
		seen[n] = id
	}
	if len(seen) != 100 {
		t.Errorf("%d tickets called, want 100", len(seen))
	}
}

func TestDayRollover(t *testing.T) {
	tests := []struct {
		name       string
		from, to   time.Time
		wantReset  bool
		wantNumber string
	}{
		{"local midnight", time.Date(2026, 11, 23, 23, 59, 0, 0, hcm), time.Date(2026, 11, 24, 0, 1, 0, 0, hcm), true, "A001"},
		{"UTC midnight is 07:00 local", time.Date(2026, 11, 24, 6, 59, 0, 0, hcm), time.Date(2026, 11, 24, 7, 1, 0, 0, hcm), false, "A002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := engine.New(engine.Options{Centre: centre(), Secret: []byte("s")})
			e.Handle(tt.from, kiosk, protocol.Request{Key: "1", Op: protocol.OpTicket, Service: "A"})
			e.Handle(tt.from, counter("3"), protocol.Request{Key: "2", Op: protocol.OpResume})
			e.Flush()
			e.Tick(tt.to)
			batch := e.Flush()
			reset := slices.ContainsFunc(batch.Events, func(ev engine.Event) bool { return ev.Kind == "reset" })
			if reset != tt.wantReset {
				t.Errorf("reset = %v, want %v", reset, tt.wantReset)
			}
			if tt.wantReset && e.CounterState("3").Status != protocol.CounterClosed {
				t.Errorf("counter 3 still open after the day ended")
			}
			r := e.Handle(tt.to, kiosk, protocol.Request{Key: "3", Op: protocol.OpTicket, Service: "A"})
			if r.Ticket.Number != tt.wantNumber || r.Ticket.Day != e.Day() {
				t.Errorf("next ticket %s on %s, want %s", r.Ticket.Number, r.Ticket.Day, tt.wantNumber)
			}
		})
	}
}

func TestEstimate(t *testing.T) {
	b := newBench(t)
	// One replay with expected service times, so that the figures are
	// exact: the configured means, since nothing was learned yet.
	b.e = engine.New(engine.Options{Centre: centre(), Secret: []byte("s"), Samples: -1})
	r := b.do(kiosk, protocol.Request{Op: protocol.OpTicket, Service: "A"})
	if r.Ticket.Ahead != 0 || r.Ticket.WaitSeconds != 0 {
		t.Errorf("first ticket: ahead %d, wait %ds", r.Ticket.Ahead, r.Ticket.WaitSeconds)
	}
	// No counter is open: the two counters that serve A are counted on,
	// one for each ticket.
	r = b.do(kiosk, protocol.Request{Op: protocol.OpTicket, Service: "A"})
	if r.Ticket.Ahead != 1 || r.Ticket.WaitSeconds != 0 {
		t.Errorf("second ticket: ahead %d, wait %ds, want 1 and 0s", r.Ticket.Ahead, r.Ticket.WaitSeconds)
	}
	// Counter 1 opens and calls A001; counter 2 stays closed. A003 waits
	// for A001's 10 minutes (less the 2 s gone) and then for A002's 10.
	b.call("1", protocol.OpCallNext)
	r = b.do(kiosk, protocol.Request{Op: protocol.OpTicket, Service: "A"})
	if r.Ticket.Ahead != 1 || r.Ticket.WaitSeconds != 1200-1 {
		t.Errorf("third ticket: ahead %d, wait %ds, want 1 and 1199s", r.Ticket.Ahead, r.Ticket.WaitSeconds)
	}
	s := b.e.ServiceState("A", b.now.Add(time.Minute))
	if s.Waiting != 2 || s.LongestWaitSeconds != 62 || s.Issued != 3 {
		t.Errorf("service state %+v", s)
	}
}

func TestBoard(t *testing.T) {
	b := newBench(t)
	b.issue("A", "")
	b.issue("B", "")
	first := b.call("1", protocol.OpCallNext)
	b.call("2", protocol.OpCallNext)
	b.call("1", protocol.OpCallAgain)
	batch := b.e.Flush()
	if len(batch.Calls) != 3 || batch.Calls[2].Repeat != 1 {
		t.Errorf("calls %+v", batch.Calls)
	}
	board := b.e.BoardState(b.now)
	if len(board.Current) != 2 || board.Current[0].Ticket != first || len(board.Recent) != 3 {
		t.Errorf("board %+v", board)
	}
}
