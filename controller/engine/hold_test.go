package engine_test

import (
	"slices"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

var kiosk2 = engine.Actor{Device: "kiosk-2", Kind: protocol.DeviceKiosk}

// hold takes a held ticket at kiosk-1: numbered, not yet in the citizen's hand.
func (b *bench) hold(service string) string {
	b.t.Helper()
	r := b.do(kiosk, protocol.Request{Op: protocol.OpTicket, Service: service, Hold: true})
	if !r.OK {
		b.t.Fatalf("held ticket %s: %v", service, r.Error)
	}
	return r.Ticket.Number
}

func (b *bench) state(number string) (engine.State, engine.Outcome) {
	b.t.Helper()
	t, ok := b.e.Ticket(number)
	if !ok {
		b.t.Fatalf("no ticket %s", number)
	}
	return t.State, t.Outcome
}

func waitingNumbers(e *engine.Engine, counter string) []string {
	var out []string
	for _, t := range e.Waiting(counter) {
		out = append(out, t.Number)
	}
	return out
}

// A held ticket is called by nobody and counted nowhere until its kiosk
// says it was printed; then it takes its place by issue time.
func TestHeldTicketUntilPrinted(t *testing.T) {
	b := newBench(t)
	held := b.hold("A")       // A001
	later := b.issue("A", "") // A002, issued after it
	if s, _ := b.state(held); s != engine.Held {
		t.Fatalf("%s is %s, want held", held, s)
	}
	s := b.e.ServiceState("A", b.now)
	if s.Waiting != 1 || s.Issued != 1 {
		t.Errorf("service A while %s is held: waiting %d, issued %d; want 1, 1", held, s.Waiting, s.Issued)
	}
	if tot := b.e.Totals(); tot.Issued != 1 || tot.Waiting != 1 {
		t.Errorf("totals while held: %+v", tot)
	}
	if got := waitingNumbers(b.e, "1"); !slices.Equal(got, []string{later}) {
		t.Errorf("counter 1 could call %v, want only %s", got, later)
	}
	r := b.do(counter("1"), protocol.Request{Op: protocol.OpCallTicket, Ticket: held})
	if r.OK || r.Error.Code != protocol.CodeConflict {
		t.Errorf("call_ticket of a held ticket: %+v", r)
	}

	r = b.do(kiosk, protocol.Request{Op: protocol.OpPrinted, Ticket: held})
	if !r.OK || r.Ticket == nil || r.Ticket.Number != held {
		t.Fatalf("printed: %+v", r)
	}
	tk, _ := b.e.Ticket(held)
	if tk.State != engine.Waiting || !tk.Arrived.Equal(tk.Issued) || !tk.Queued.Equal(tk.Issued) {
		t.Errorf("after printed: %+v, want waiting since its issue time", tk)
	}
	if s := b.e.ServiceState("A", b.now); s.Waiting != 2 || s.Issued != 2 {
		t.Errorf("service A after printed: waiting %d, issued %d; want 2, 2", s.Waiting, s.Issued)
	}
	// Issued first, so called first.
	if got := b.call("1", protocol.OpCallNext); got != held {
		t.Errorf("called %s, want %s issued before %s", got, held, later)
	}
	// printed again, of a called ticket, changes nothing.
	r = b.do(kiosk, protocol.Request{Op: protocol.OpPrinted, Ticket: held})
	if st, _ := b.state(held); !r.OK || st != engine.Called {
		t.Errorf("printed of a called ticket: %+v, state %s", r, st)
	}
	if s := b.e.ServiceState("A", b.now); s.Issued != 2 {
		t.Errorf("issued %d after a repeated printed, want 2", s.Issued)
	}
}

// A held ticket nobody confirms is voided after HoldFor, on the engine's
// clock; a late printed reinstates it, since the citizen holds the paper.
func TestHeldTicketExpires(t *testing.T) {
	b := newBench(t)
	c := centre()
	c.Rules.HoldFor = 3 * time.Minute
	b.e = engine.New(engine.Options{Centre: c, Secret: []byte("s")})
	held := b.hold("A")
	tk, _ := b.e.Ticket(held)
	b.e.Flush()

	b.e.Tick(tk.Issued.Add(3*time.Minute - time.Nanosecond))
	if st, _ := b.state(held); st != engine.Held {
		t.Fatalf("%s is %s just before its hold ends, want held", held, st)
	}
	b.now = tk.Issued.Add(3 * time.Minute)
	b.e.Tick(b.now)
	if st, o := b.state(held); st != engine.Done || o != engine.Voided {
		t.Fatalf("%s is %s/%s once its hold ended, want done/voided", held, st, o)
	}
	batch := b.e.Flush()
	if len(batch.Events) != 1 || batch.Events[0].Kind != "voided" || len(batch.Tickets) != 1 {
		t.Errorf("voiding committed %+v, want one voided event and the ticket", batch)
	}
	if got := b.call("1", protocol.OpCallNext); got != "" {
		t.Errorf("called %s with only a voided ticket", got)
	}
	if s := b.e.ServiceState("A", b.now); s.Waiting != 0 || s.Issued != 0 {
		t.Errorf("service A with a voided ticket: waiting %d, issued %d", s.Waiting, s.Issued)
	}

	r := b.do(kiosk, protocol.Request{Op: protocol.OpPrinted, Ticket: held})
	if st, o := b.state(held); !r.OK || st != engine.Waiting || o != "" {
		t.Fatalf("printed after void: %+v, %s/%s", r, st, o)
	}
	if s := b.e.ServiceState("A", b.now); s.Waiting != 1 || s.Issued != 1 {
		t.Errorf("service A once reinstated: waiting %d, issued %d", s.Waiting, s.Issued)
	}
	if got := b.call("1", protocol.OpCallNext); got != held {
		t.Errorf("called %q, want reinstated %s", got, held)
	}
}

// printed and void, from the issuing kiosk and from others, in each state.
func TestPrintedAndVoid(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(b *bench) string // returns the number acted on
		actor   engine.Actor
		op      protocol.Op
		code    string // "" for ok
		state   engine.State
		outcome engine.Outcome
	}{
		{"void held", func(b *bench) string { return b.hold("A") }, kiosk, protocol.OpVoid, "", engine.Done, engine.Voided},
		{"void voided again", func(b *bench) string {
			n := b.hold("A")
			b.do(kiosk, protocol.Request{Op: protocol.OpVoid, Ticket: n})
			return n
		}, kiosk, protocol.OpVoid, "", engine.Done, engine.Voided},
		{"void waiting", func(b *bench) string { return b.issue("A", "") }, kiosk, protocol.OpVoid, protocol.CodeConflict, engine.Waiting, ""},
		{"void printed", func(b *bench) string {
			n := b.hold("A")
			b.do(kiosk, protocol.Request{Op: protocol.OpPrinted, Ticket: n})
			return n
		}, kiosk, protocol.OpVoid, protocol.CodeConflict, engine.Waiting, ""},
		{"void called", func(b *bench) string { b.issue("A", ""); return b.call("1", protocol.OpCallNext) },
			kiosk, protocol.OpVoid, protocol.CodeConflict, engine.Called, ""},
		{"void of another kiosk", func(b *bench) string { return b.hold("A") }, kiosk2, protocol.OpVoid, protocol.CodeNotAllowed, engine.Held, ""},
		{"printed of another kiosk", func(b *bench) string { return b.hold("A") }, kiosk2, protocol.OpPrinted, protocol.CodeNotAllowed, engine.Held, ""},
		{"printed twice", func(b *bench) string {
			n := b.hold("A")
			b.do(kiosk, protocol.Request{Op: protocol.OpPrinted, Ticket: n})
			return n
		}, kiosk, protocol.OpPrinted, "", engine.Waiting, ""},
		{"printed of an online ticket", func(b *bench) string { return b.issue("A", "") }, kiosk, protocol.OpPrinted, "", engine.Waiting, ""},
		{"printed from a counter", func(b *bench) string { return b.hold("A") }, counter("1"), protocol.OpPrinted, protocol.CodeNotAllowed, engine.Held, ""},
		{"printed unknown", func(*bench) string { return "A999" }, kiosk, protocol.OpPrinted, protocol.CodeUnknownTicket, "", ""},
		{"void unknown", func(*bench) string { return "A999" }, kiosk, protocol.OpVoid, protocol.CodeUnknownTicket, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t)
			n := tc.setup(b)
			req := protocol.Request{Key: "the-key", Op: tc.op, Ticket: n}
			r := b.do(tc.actor, req)
			switch {
			case tc.code == "" && (!r.OK || r.Ticket == nil || r.Ticket.Number != n):
				t.Errorf("reply %+v, want ok with ticket %s", r, n)
			case tc.code != "" && (r.OK || r.Error.Code != tc.code):
				t.Errorf("reply %+v, want %s", r, tc.code)
			}
			if again := b.do(tc.actor, req); !sameReply(again, r) {
				t.Errorf("same key answered %+v, then %+v", r, again)
			}
			if tc.state == "" {
				return
			}
			if st, o := b.state(n); st != tc.state || o != tc.outcome {
				t.Errorf("%s is %s/%s, want %s/%s", n, st, o, tc.state, tc.outcome)
			}
		})
	}
}

func sameReply(a, b protocol.Reply) bool {
	if a.OK != b.OK || a.Key != b.Key || a.Op != b.Op || (a.Error == nil) != (b.Error == nil) {
		return false
	}
	if a.Error != nil && *a.Error != *b.Error {
		return false
	}
	return (a.Ticket == nil) == (b.Ticket == nil) && (a.Ticket == nil || *a.Ticket == *b.Ticket)
}

// A held ticket still open at midnight ends as reset, and numbering starts
// again: nobody calls a held number of yesterday.
func TestHeldTicketAtMidnight(t *testing.T) {
	b := newBench(t)
	held := b.hold("A")
	b.e.Tick(time.Date(2026, 11, 24, 0, 0, 1, 0, hcm))
	batch := b.e.Flush()
	var reset bool
	for _, tk := range batch.Tickets {
		if tk.Number == held && tk.State == engine.Done && tk.Outcome == engine.Reset {
			reset = true
		}
	}
	if !reset {
		t.Errorf("held %s not ended as reset at midnight", held)
	}
	r := b.e.Handle(time.Date(2026, 11, 24, 8, 0, 0, 0, hcm), kiosk, protocol.Request{Key: "next-day", Op: protocol.OpPrinted, Ticket: held})
	if r.OK || r.Error.Code != protocol.CodeUnknownTicket {
		t.Errorf("printed of yesterday's %s: %+v", held, r)
	}
}

// An offline ticket is filed only from its kiosk's own offline block.
func TestOfflineTicketOutsideItsBlock(t *testing.T) {
	c := centre()
	c.Devices = []config.Device{
		{ID: "kiosk-1", Kind: protocol.DeviceKiosk, Offline: &config.Block{From: 5, To: 7}},
		{ID: "kiosk-2", Kind: protocol.DeviceKiosk, Offline: &config.Block{From: 8, To: 9}},
		{ID: "kiosk-3", Kind: protocol.DeviceKiosk},
	}
	kiosk3 := engine.Actor{Device: "kiosk-3", Kind: protocol.DeviceKiosk}
	tests := []struct {
		name   string
		actor  engine.Actor
		number string
		code   string
	}{
		{"own block", kiosk, "A005", ""},
		{"own block's end", kiosk, "A007", ""},
		{"online range", kiosk, "A002", protocol.CodeNotAllowed},
		{"another kiosk's block", kiosk, "A008", protocol.CodeNotAllowed},
		{"own block padded otherwise", kiosk, "A0006", protocol.CodeNotAllowed},
		{"kiosk without a block", kiosk3, "A005", protocol.CodeNotAllowed},
		{"the other kiosk's own", kiosk2, "A009", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t)
			b.e = engine.New(engine.Options{Centre: c, Secret: []byte("s")})
			r := b.do(tc.actor, protocol.Request{Op: protocol.OpOfflineTicket, Service: "A", Ticket: tc.number, Issued: b.now})
			switch {
			case tc.code == "" && !r.OK:
				t.Errorf("refused: %+v", r.Error)
			case tc.code != "" && (r.OK || r.Error.Code != tc.code):
				t.Errorf("reply %+v, want %s", r, tc.code)
			}
			if _, filed := b.e.Ticket(tc.number); filed != (tc.code == "") {
				t.Errorf("%s filed: %v", tc.number, filed)
			}
		})
	}
}

// A held ticket whose kiosk printed an offline ticket instead is voided,
// not replaced: it was never counted as issued.
func TestHeldTicketReplacedByOffline(t *testing.T) {
	b := offlineBench(t)
	r := b.do(kiosk, protocol.Request{Key: "press-1", Op: protocol.OpTicket, Service: "A", Hold: true})
	if !r.OK {
		t.Fatal(r.Error)
	}
	held := r.Ticket.Number
	b.do(kiosk, protocol.Request{Op: protocol.OpOfflineTicket, Service: "A", Ticket: "A005", Issued: b.now, Replaces: "press-1"})
	if st, o := b.state(held); st != engine.Done || o != engine.Voided {
		t.Errorf("held %s is %s/%s, want done/voided", held, st, o)
	}
	if s := b.e.ServiceState("A", b.now); s.Issued != 1 || s.Waiting != 1 {
		t.Errorf("service A: issued %d, waiting %d; want 1, 1", s.Issued, s.Waiting)
	}
}
