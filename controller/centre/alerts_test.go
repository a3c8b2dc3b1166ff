package centre_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/protocol"
)

// withinTicks is within on a controller whose clock is clk: while nothing
// that satisfies ok comes, the clock moves on by step, the alert checks'
// interval, so that the check after a message still on its way runs. A
// nil clk is left alone.
func withinTicks(t testing.TB, what string, ch <-chan []byte, clk *clock.Fake, step time.Duration, ok func([]byte) bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		var poll <-chan time.Time
		if clk != nil {
			poll = time.After(50 * time.Millisecond) // a message on the network: no clock to fake
		}
		select {
		case b := <-ch:
			if ok(b) {
				return
			}
		case <-poll:
			clk.Advance(step)
		case <-timeout:
			t.Fatalf("no %s within 10s", what)
		}
	}
}

// Every kind of alert opens when its rule becomes true, is published on
// state/alerts and kept in the store, and closes when the rule no longer holds.
func TestAlerts(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	clk := clock.NewFake(time.Date(2026, 11, 23, 8, 0, 0, 0, loc))
	const alertEvery = 20 * time.Millisecond
	c := startCentre(t, brokers[0].start, func(o *centre.Options) {
		o.Clock = clk
		o.AlertEvery = alertEvery
		o.IdleAlertAfter = time.Minute
		o.OfflineAlertAfter = time.Minute
	})
	c.device(t, "board-1") // online from here on
	alerts := subscribe(t, c.client(t, "kiosk-1"), protocol.AlertsTopic(c.cfg.ID))
	has := func(kind protocol.AlertKind, subject string) func([]byte) bool {
		return func(b []byte) bool {
			s, err := protocol.Decode[protocol.AlertState](b)
			if err != nil {
				t.Errorf("alert state: %v", err)
				return false
			}
			for _, a := range s.Alerts {
				if a.Kind == kind && a.Subject == subject {
					return true
				}
			}
			return false
		}
	}
	hasNot := func(kind protocol.AlertKind, subject string) func([]byte) bool {
		f := has(kind, subject)
		return func(b []byte) bool { return !f(b) }
	}
	ctx := context.Background()
	do := func(actor engine.Actor, req protocol.Request) protocol.Reply {
		t.Helper()
		r, err := c.ctl.Do(ctx, actor, req)
		if err != nil || !r.OK {
			t.Fatalf("%s: %+v %v", req.Op, r, err)
		}
		return r
	}
	kiosk := engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	counter1 := engine.Actor{Device: "counter-1", Kind: protocol.DeviceCounter, Counter: "1"}

	// A citizen for land (A, target 30 min); counter 1 (A first) opens
	// without calling.
	do(kiosk, protocol.Request{Key: "t1", Op: protocol.OpTicket, Service: "A"})
	do(counter1, protocol.Request{Key: "open", Op: protocol.OpResume})

	// A minute on: counter 1 has been idle while A waits; devices never
	// heard of are offline; board-1 is not.
	clk.Advance(61 * time.Second)
	withinTicks(t, "idle and offline alerts", alerts, clk, alertEvery, func(b []byte) bool {
		return has(protocol.AlertIdle, "1")(b) && has(protocol.AlertOffline, "kiosk-2")(b) &&
			hasNot(protocol.AlertOffline, "board-1")(b)
	})

	// Half an hour on, land's citizen is past the target.
	clk.Advance(30 * time.Minute)
	withinTicks(t, "wait alert", alerts, clk, alertEvery, has(protocol.AlertWait, "A"))

	// Counter 1 calls: both close.
	do(counter1, protocol.Request{Key: "next", Op: protocol.OpCallNext})
	within(t, "closed", alerts, func(b []byte) bool {
		return hasNot(protocol.AlertIdle, "1")(b) && hasNot(protocol.AlertWait, "A")(b)
	})

	// Kiosk 2 reports paper low.
	k2 := c.client(t, "kiosk-2")
	birth, _ := protocol.Encode(protocol.Presence{Device: "kiosk-2", Kind: protocol.DeviceKiosk, Online: true, Seq: 1,
		Health: &protocol.Health{Status: protocol.HealthDegraded, Printer: protocol.PrinterPaperLow}})
	if tok := k2.Publish(protocol.PresenceTopic(c.cfg.ID, "kiosk-2"), 1, true, birth); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	withinTicks(t, "paper low", alerts, clk, alertEvery, has(protocol.AlertPaperLow, "kiosk-2"))

	// The store keeps them all, the closed ones with their end.
	recs, err := c.ctl.Alerts(ctx, clk.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		key := fmt.Sprintf("%s/%s/%v", r.Kind, r.Subject, !r.Closed.IsZero())
		seen[key] = true
	}
	for _, want := range []string{"idle_while_waiting/1/true", "wait_over_target/A/true", "device_offline/kiosk-2/true", "paper_low/kiosk-2/false"} {
		if !seen[want] {
			t.Errorf("store lacks %s; has %v", want, seen)
		}
	}
}

// A kiosk whose printer does not answer, or answers with its cover open or
// an error, raises an alert like paper out does; it closes when the
// printer is back.
func TestPrinterAlerts(t *testing.T) {
	c := startCentre(t, brokers[0].start, func(o *centre.Options) { o.AlertEvery = 20 * time.Millisecond })
	alerts := subscribe(t, c.client(t, "board-1"), protocol.AlertsTopic(c.cfg.ID))
	k2 := c.client(t, "kiosk-2")
	printerKinds := []protocol.AlertKind{protocol.AlertPaperLow, protocol.AlertPaperOut, protocol.AlertPrinterOffline, protocol.AlertPrinterFault}
	for _, tc := range []struct {
		printer string
		status  protocol.HealthStatus
		want    protocol.AlertKind // "" for none
	}{
		{protocol.PrinterOffline, protocol.HealthFault, protocol.AlertPrinterOffline},
		{protocol.PrinterCover, protocol.HealthFault, protocol.AlertPrinterFault},
		{protocol.PrinterOK, protocol.HealthOK, ""},
		{protocol.PrinterError, protocol.HealthFault, protocol.AlertPrinterFault},
		{protocol.PrinterPaperOut, protocol.HealthFault, protocol.AlertPaperOut},
		{protocol.PrinterOK, protocol.HealthOK, ""},
	} {
		birth, err := protocol.Encode(protocol.Presence{Device: "kiosk-2", Kind: protocol.DeviceKiosk, Online: true, Seq: 1,
			Health: &protocol.Health{Status: tc.status, Printer: tc.printer}})
		if err != nil {
			t.Fatal(err)
		}
		if tok := k2.Publish(protocol.PresenceTopic(c.cfg.ID, "kiosk-2"), 1, true, birth); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		within(t, fmt.Sprintf("printer %s: alert %q only", tc.printer, tc.want), alerts, func(b []byte) bool {
			s, err := protocol.Decode[protocol.AlertState](b)
			if err != nil {
				return false
			}
			var got []protocol.AlertKind
			for _, a := range s.Alerts {
				if a.Subject == "kiosk-2" && slices.Contains(printerKinds, a.Kind) {
					got = append(got, a.Kind)
				}
			}
			if tc.want == "" {
				return len(got) == 0
			}
			return slices.Equal(got, []protocol.AlertKind{tc.want})
		})
	}
}
