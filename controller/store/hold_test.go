package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

// A controller restarted while tickets are held keeps them held, voids
// them on time, and keeps a voided one voided across the next restart.
func TestHeldTicketsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	centre := example(t)
	s, path := open(t)
	kiosk := engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	counter := engine.Actor{Device: "counter-1", Kind: protocol.DeviceCounter, Counter: "1"}
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, centre.Location)

	commit := func(e *engine.Engine) {
		t.Helper()
		b := e.Flush()
		if err := s.Commit(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	restart := func() *engine.Engine {
		t.Helper()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		var err error
		if s, err = store.Open(path); err != nil {
			t.Fatal(err)
		}
		snap, err := s.Load(ctx, start.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		e := engine.New(engine.Options{Centre: centre, Secret: []byte("secret")})
		e.Restore(snap)
		return e
	}
	state := func(e *engine.Engine, number string) (engine.State, engine.Outcome) {
		t.Helper()
		tk, ok := e.Ticket(number)
		if !ok {
			t.Fatalf("no ticket %s after restart", number)
		}
		return tk.State, tk.Outcome
	}

	e := engine.New(engine.Options{Centre: centre, Secret: []byte("secret")})
	first := e.Handle(start, kiosk, protocol.Request{Key: "k1", Op: protocol.OpTicket, Service: "A", Hold: true}).Ticket.Number
	second := e.Handle(start.Add(time.Minute), kiosk, protocol.Request{Key: "k2", Op: protocol.OpTicket, Service: "A", Hold: true}).Ticket.Number
	commit(e)

	e = restart()
	if st, _ := state(e, first); st != engine.Held {
		t.Fatalf("%s is %s after restart, want held", first, st)
	}
	if svc := e.ServiceState("A", start); svc.Waiting != 0 || svc.Issued != 0 {
		t.Errorf("service A after restart: waiting %d, issued %d; want 0, 0", svc.Waiting, svc.Issued)
	}
	// The second reaches its citizen; the first's hold runs out.
	if r := e.Handle(start.Add(2*time.Minute), kiosk, protocol.Request{Key: "k3", Op: protocol.OpPrinted, Ticket: second}); !r.OK {
		t.Fatalf("printed %s: %+v", second, r.Error)
	}
	e.Tick(start.Add(centre.Rules.HoldFor - time.Second))
	if st, _ := state(e, first); st != engine.Held {
		t.Errorf("%s is %s before its hold ends", first, st)
	}
	e.Tick(start.Add(centre.Rules.HoldFor))
	commit(e)

	e = restart()
	if st, o := state(e, first); st != engine.Done || o != engine.Voided {
		t.Errorf("%s is %s/%s after its hold and a restart, want done/voided", first, st, o)
	}
	if svc := e.ServiceState("A", start); svc.Waiting != 1 || svc.Issued != 1 {
		t.Errorf("service A: waiting %d, issued %d; want 1, 1", svc.Waiting, svc.Issued)
	}
	r := e.Handle(start.Add(15*time.Minute), counter, protocol.Request{Key: "c1", Op: protocol.OpCallNext})
	if r.Ticket == nil || r.Ticket.Number != second {
		t.Errorf("call next after restart: %+v, want %s", r.Ticket, second)
	}
}
