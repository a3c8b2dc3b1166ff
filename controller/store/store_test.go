package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

func example(t testing.TB) *config.Centre {
	c, err := config.Parse("example.yaml", config.Example())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func open(t testing.TB) (*store.Store, string) {
	path := filepath.Join(t.TempDir(), "centre.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// randomDay applies n random requests, committing after each, and returns
// the engine and the time of the last request.
func randomDay(t *testing.T, s *store.Store, centre *config.Centre, n int) (*engine.Engine, time.Time) {
	ctx := context.Background()
	e := engine.New(engine.Options{Centre: centre, Secret: []byte("secret")})
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 23, 7, 30, 0, 0, centre.Location)
	ops := []protocol.Op{protocol.OpCallNext, protocol.OpCallNext, protocol.OpComplete, protocol.OpCallAgain,
		protocol.OpNoShow, protocol.OpPark, protocol.OpPause, protocol.OpResume}
	var parked []string
	for i := range n {
		now = now.Add(time.Duration(rng.IntN(60)) * time.Second)
		var actor engine.Actor
		req := protocol.Request{Key: fmt.Sprint("k", i)}
		if rng.IntN(3) == 0 {
			s := centre.Services[rng.IntN(len(centre.Services))]
			actor = engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
			req.Op, req.Service = protocol.OpTicket, s.ID
			if rng.IntN(5) == 0 {
				req.Priority = protocol.PriorityElderly
			}
		} else {
			cn := centre.Counters[rng.IntN(len(centre.Counters))]
			actor = engine.Actor{Device: "counter-" + cn.ID, Kind: protocol.DeviceCounter, Counter: cn.ID}
			req.Op = ops[rng.IntN(len(ops))]
			switch {
			case rng.IntN(10) == 0:
				req.Op, req.ToService = protocol.OpTransfer, centre.Services[rng.IntN(len(centre.Services))].ID
			case rng.IntN(10) == 0 && len(parked) > 0:
				req.Op, req.Ticket = protocol.OpRecall, parked[rng.IntN(len(parked))]
			case rng.IntN(10) == 0:
				req.Op, req.Rating = protocol.OpRate, protocol.RatingSatisfied
			}
		}
		r := e.Handle(now, actor, req)
		if r.OK && req.Op == protocol.OpPark {
			parked = append(parked, r.Ticket.Number)
		}
		b := e.Flush()
		if err := s.Commit(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	return e, now
}

// A restart rebuilds exactly the state that was committed.
func TestRestoreIsExact(t *testing.T) {
	ctx := context.Background()
	centre := example(t)
	s, path := open(t)
	before, now := randomDay(t, s, centre, 600)
	s.Close()

	s2, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	snap, err := s2.Load(ctx, now.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	after := engine.New(engine.Options{Centre: centre, Secret: []byte("secret")})
	after.Restore(snap)

	if !reflect.DeepEqual(before.Totals(), after.Totals()) {
		t.Errorf("totals: before %+v, after %+v", before.Totals(), after.Totals())
	}
	for _, id := range before.Counters() {
		if b, a := before.CounterState(id), after.CounterState(id); !sameCounter(b, a) {
			t.Errorf("counter %s: before %+v, after %+v", id, b, a)
		}
	}
	for _, id := range before.Services() {
		if b, a := before.ServiceState(id, now), after.ServiceState(id, now); !reflect.DeepEqual(b, a) {
			t.Errorf("service %s: before %+v, after %+v", id, b, a)
		}
	}
	bb, ab := before.BoardState(now), after.BoardState(now)
	if len(bb.Current) != len(ab.Current) || len(bb.Recent) != len(ab.Recent) {
		t.Errorf("board: before %+v, after %+v", bb, ab)
	}
	for i := range bb.Current {
		if bb.Current[i].Ticket != ab.Current[i].Ticket || !bb.Current[i].At.Equal(ab.Current[i].At) {
			t.Errorf("board current %d: before %+v, after %+v", i, bb.Current[i], ab.Current[i])
		}
	}

	// Both engines answer the same future identically.
	for i := range 40 {
		now = now.Add(30 * time.Second)
		cn := centre.Counters[i%len(centre.Counters)].ID
		actor := engine.Actor{Device: "counter-" + cn, Kind: protocol.DeviceCounter, Counter: cn}
		req := protocol.Request{Key: fmt.Sprint("next", i), Op: protocol.OpCallNext}
		if i%3 == 0 {
			actor = engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
			req = protocol.Request{Key: fmt.Sprint("next", i), Op: protocol.OpTicket, Service: centre.Services[i%len(centre.Services)].ID}
		}
		rb, ra := before.Handle(now, actor, req), after.Handle(now, actor, req)
		if !sameReply(rb, ra) {
			t.Fatalf("request %d: before %+v, after %+v", i, rb, ra)
		}
	}
	// A repeated key from before the restart gets its first reply.
	first := before.Handle(now, engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}, protocol.Request{Key: "k0", Op: protocol.OpTicket, Service: "A"})
	again := after.Handle(now, engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}, protocol.Request{Key: "k0", Op: protocol.OpTicket, Service: "A"})
	if !sameReply(first, again) {
		t.Errorf("repeated key: before %+v, after %+v", first, again)
	}
}

func sameCounter(a, b protocol.CounterState) bool {
	return a.Status == b.Status && a.Ticket == b.Ticket && a.Since.Equal(b.Since) &&
		reflect.DeepEqual(a.Parked, b.Parked) && reflect.DeepEqual(a.Services, b.Services)
}

func sameReply(a, b protocol.Reply) bool {
	if a.OK != b.OK || (a.Ticket == nil) != (b.Ticket == nil) {
		return false
	}
	if a.Ticket != nil && (a.Ticket.Number != b.Ticket.Number || a.Ticket.Ahead != b.Ticket.Ahead || a.Ticket.WaitSeconds != b.Ticket.WaitSeconds) {
		return false
	}
	return a.Error == nil || a.Error.Code == b.Error.Code
}

func TestSecretIsKept(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, err := s.Secret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Secret(ctx)
	if len(a) != 32 || string(a) != string(b) {
		t.Errorf("secret changed: %x, %x", a, b)
	}
}

// BenchmarkCommitCallNext measures one call next, applied and committed
// durably on its own: the controller's cost per command when commands come
// one at a time.
func BenchmarkCommitCallNext(b *testing.B) {
	ctx := context.Background()
	centre := example(b)
	s, _ := open(b)
	e := engine.New(engine.Options{Centre: centre, Secret: []byte("s")})
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, centre.Location)
	kiosk := engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	for i := range b.N + 1 {
		e.Handle(now, kiosk, protocol.Request{Key: fmt.Sprint("t", i), Op: protocol.OpTicket, Service: "A"})
	}
	batch := e.Flush()
	if err := s.Commit(ctx, &batch); err != nil {
		b.Fatal(err)
	}
	counter := engine.Actor{Device: "counter-1", Kind: protocol.DeviceCounter, Counter: "1"}
	b.ResetTimer()
	for i := range b.N {
		now = now.Add(time.Second)
		e.Handle(now, counter, protocol.Request{Key: fmt.Sprint("c", i), Op: protocol.OpCallNext})
		batch := e.Flush()
		if err := s.Commit(ctx, &batch); err != nil {
			b.Fatal(err)
		}
	}
}
