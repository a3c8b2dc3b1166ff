package engine_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// A service that will miss its target while a counter has nothing to do
// gets that counter, and gives it back once the queue is gone.
func TestAdvice(t *testing.T) {
	b := newBench(t)
	for _, id := range []string{"1", "2", "3"} {
		b.call(id, protocol.OpCallNext) // open, nothing to call
	}
	for range 8 {
		b.issue("A", "") // 10 minutes each, a 20-minute target
	}
	b.issue("B", "")
	b.call("1", protocol.OpCallNext)
	b.call("2", protocol.OpCallNext)
	advice := b.e.Advise(b.now)
	if len(advice) != 1 || advice[0].Service != "A" || advice[0].Counter != "3" || advice[0].After >= advice[0].Wait {
		t.Fatalf("advice %+v, want counter 3 (idle, serving C) moved to A", advice)
	}
	a := advice[0]
	if want := []engine.Skill{{Service: "A", Level: 1}, {Service: "C", Level: 2}}; !slices.Equal(a.Skills, want) {
		t.Errorf("skills %v, want %v", a.Skills, want)
	}
	if err := b.e.Reassign(b.now, a.Counter, a.Skills); err != nil {
		t.Fatal(err)
	}
	batch := b.e.Flush()
	if !slices.ContainsFunc(batch.Events, func(ev engine.Event) bool { return ev.Kind == "reassigned" && ev.Counter == "3" }) {
		t.Errorf("no reassigned event in %+v", batch.Events)
	}
	if got := b.call("3", protocol.OpCallNext); got[0] != 'A' {
		t.Errorf("counter 3 called %s after the move, want an A ticket", got)
	}
	// Everybody served: counter 3 should go back.
	for range 10 {
		for _, id := range []string{"1", "2", "3"} {
			b.now = b.now.Add(5 * time.Minute)
			b.call(id, protocol.OpCallNext)
		}
	}
	advice = b.e.Advise(b.now)
	if len(advice) != 1 || !advice[0].Return || advice[0].Counter != "3" {
		t.Fatalf("advice %+v, want counter 3 back", advice)
	}
	if err := b.e.Reassign(b.now, "3", nil); err != nil {
		t.Fatal(err)
	}
	if st := b.e.CounterState("3"); !slices.Equal(st.Services, []string{"C"}) {
		t.Errorf("counter 3 serves %v after going back, want [C]", st.Services)
	}
	// A move lasts the day: the next day starts with the configured services.
	if err := b.e.Reassign(b.now, "3", []engine.Skill{{Service: "A", Level: 1}}); err != nil {
		t.Fatal(err)
	}
	b.e.Flush()
	b.now = b.now.Add(24 * time.Hour)
	b.e.Tick(b.now)
	if st := b.e.CounterState("3"); !slices.Equal(st.Services, []string{"C"}) {
		t.Errorf("counter 3 serves %v the next day, want [C]", st.Services)
	}
	batch = b.e.Flush()
	if !slices.ContainsFunc(batch.Events, func(ev engine.Event) bool {
		return ev.Kind == "reassigned" && ev.Counter == "3" && ev.Detail == "C:1 (new day)"
	}) {
		t.Errorf("no reassigned event for the new day in %+v", batch.Events)
	}
	if err := b.e.Reassign(b.now, "9", nil); !errors.Is(err, engine.ErrUnknownCounter) {
		t.Errorf("unknown counter: %v", err)
	}
	if err := b.e.Reassign(b.now, "3", []engine.Skill{{Service: "Z", Level: 1}}); !errors.Is(err, engine.ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
}

// WaitingFor counts what Waiting lists.
func TestWaitingFor(t *testing.T) {
	b := newBench(t)
	for _, s := range []string{"A", "A", "B", "C"} {
		b.issue(s, "")
	}
	for _, id := range []string{"1", "2", "3", "9"} {
		if got, want := b.e.WaitingFor(id), len(b.e.Waiting(id)); got != want {
			t.Errorf("counter %s: WaitingFor %d, Waiting lists %d", id, got, want)
		}
	}
}
