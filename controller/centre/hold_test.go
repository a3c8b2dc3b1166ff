package centre_test

import (
	"context"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/protocol"
)

// A held ticket over the real protocol: called by nobody and counted
// nowhere until its kiosk's printed, voided by the controller's tick once
// its hold has run out on the controller's clock, and reinstated by a late
// printed.
func TestHeldTicketsOverTheWire(t *testing.T) {
	for _, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			clk := clock.NewFake(time.Date(2026, 11, 23, 8, 0, 0, 0, loc))
			c := startCentre(t, b.start, func(o *centre.Options) {
				o.Clock = clk
				o.TickEvery = 20 * time.Millisecond
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			kiosk, other, counter := c.device(t, "kiosk-1"), c.device(t, "kiosk-2"), c.device(t, "counter-1")
			request := func(l interface {
				Request(context.Context, protocol.Request) (protocol.Reply, error)
			}, req protocol.Request) protocol.Reply {
				t.Helper()
				r, err := l.Request(ctx, req)
				if err != nil {
					t.Fatalf("%s: %v", req.Op, err)
				}
				return r
			}
			totals := func(issued, waiting int) {
				t.Helper()
				st, err := c.ctl.Status(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if st.Totals.Issued != issued || st.Totals.Waiting != waiting {
					t.Errorf("totals %+v, want issued %d, waiting %d", st.Totals, issued, waiting)
				}
			}

			r := request(kiosk, protocol.Request{Op: protocol.OpTicket, Service: "A", Hold: true})
			if !r.OK || r.Ticket == nil {
				t.Fatalf("held ticket: %+v", r)
			}
			first := r.Ticket.Number
			totals(0, 0)
			if r := request(counter, protocol.Request{Op: protocol.OpCallNext}); !r.OK || r.Ticket != nil {
				t.Errorf("call next while %s is held: %+v", first, r)
			}
			if r := request(other, protocol.Request{Op: protocol.OpPrinted, Ticket: first}); r.OK || r.Error.Code != protocol.CodeNotAllowed {
				t.Errorf("printed from kiosk-2: %+v", r)
			}
			if r := request(kiosk, protocol.Request{Op: protocol.OpPrinted, Ticket: first}); !r.OK || r.Ticket.Number != first {
				t.Fatalf("printed: %+v", r)
			}
			totals(1, 1)
			if r := request(counter, protocol.Request{Op: protocol.OpCallNext}); r.Ticket == nil || r.Ticket.Number != first {
				t.Errorf("call next after printed: %+v, want %s", r, first)
			}

			second := request(kiosk, protocol.Request{Op: protocol.OpTicket, Service: "A", Hold: true}).Ticket.Number
			clk.Advance(c.cfg.Rules.HoldFor) // and the writer's tick with it
			waitState(t, c, second, engine.Done, engine.Voided)
			totals(1, 0)
			if r := request(kiosk, protocol.Request{Op: protocol.OpPrinted, Ticket: second}); !r.OK {
				t.Fatalf("printed after void: %+v", r)
			}
			totals(2, 1)
			waitState(t, c, second, engine.Waiting, "")
		})
	}
}

// waitState waits for the store to hold ticket number in state and outcome:
// what the controller committed, read as a restart would.
func waitState(t *testing.T, c *centreUnderTest, number string, state engine.State, outcome engine.Outcome) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		snap, err := c.st.Load(context.Background(), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range snap.Tickets {
			if tk.Number == number && tk.State == state && tk.Outcome == outcome {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not %s/%s in the store within 10s", number, state, outcome)
		}
		<-time.After(10 * time.Millisecond) // the store's commit: no clock to fake
	}
}

// A request refused while it was decoded is remembered under its key: the
// same key gets the same refusal, even once the payload is right. A payload
// whose key cannot be read gets a refusal without a key, kept nowhere.
func TestDecodeRefusalsRemembered(t *testing.T) {
	c := startCentre(t, brokers[0].start)
	cl := c.client(t, "kiosk-1")
	replies := subscribe(t, cl, protocol.ReplyTopic(c.cfg.ID, "kiosk-1"))
	send := func(raw, key string) protocol.Reply {
		t.Helper()
		if tok := cl.Publish(protocol.RequestTopic(c.cfg.ID, "kiosk-1"), 1, false, []byte(raw)); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
		var reply protocol.Reply
		within(t, "reply with key "+key, replies, func(b []byte) bool {
			r, err := protocol.Decode[protocol.Reply](b)
			reply = r
			return err == nil && r.Key == key
		})
		return reply
	}
	tests := []struct {
		name        string
		bad, good   string
		key         string
		code, field string
		op          protocol.Op
	}{
		{"invalid", `{"v":1,"key":"k-invalid","op":"ticket"}`, `{"v":1,"key":"k-invalid","op":"ticket","service":"A"}`,
			"k-invalid", protocol.CodeInvalid, "service", protocol.OpTicket},
		{"version", `{"v":2,"key":"k-version","op":"ticket","service":"A"}`, `{"v":1,"key":"k-version","op":"ticket","service":"A"}`,
			"k-version", protocol.CodeVersion, "", ""},
		{"malformed", `{"v":1,"key":"k-malformed","op":"offline_ticket","service":"A","ticket":"A901","issued":"08:15"}`,
			`{"v":1,"key":"k-malformed","op":"offline_ticket","service":"A","ticket":"A901","issued":"2026-11-23T08:15:00+07:00"}`,
			"k-malformed", protocol.CodeMalformed, "", protocol.OpOfflineTicket},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := send(tc.bad, tc.key)
			if first.OK || first.Error.Code != tc.code || first.Error.Field != tc.field || first.Op != tc.op {
				t.Fatalf("refusal %+v, want %s on %q, op %q", first, tc.code, tc.field, tc.op)
			}
			again := send(tc.good, tc.key)
			if again.OK || *again.Error != *first.Error || again.Op != first.Op {
				t.Errorf("same key answered %+v, then %+v", first, again)
			}
		})
	}
	// Without a key nothing is kept: a request with a fresh key works.
	if r := send(`not json`, ""); r.OK || r.Error.Code != protocol.CodeMalformed {
		t.Errorf("refusal without key: %+v", r)
	}
	if r := send(`{"v":1,"key":"k-fresh","op":"ticket","service":"A"}`, "k-fresh"); !r.OK {
		t.Errorf("ticket after the refusals: %+v", r)
	}
}
