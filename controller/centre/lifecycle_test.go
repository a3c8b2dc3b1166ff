package centre_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

// A broker that refuses the controller's subscription to the requests at
// first (as a cluster does while it moves a lost node's sessions) does not
// leave the controller deaf until its next connection: it tries again on
// the same connection until the broker takes it, and only then says it is
// online.
func TestSubscriptionRetried(t *testing.T) {
	const refusals = 3
	var refused atomic.Int32
	var requests string
	start := func(t testing.TB, accounts []broker.Account) string {
		b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Accounts: accounts, Logger: quiet,
			Refuse: func(username, topic string, write bool) bool {
				return username == "controller" && topic == requests && !write && refused.Add(1) <= refusals
			}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return "tcp://" + b.Addr()
	}
	cfg, err := config.Parse("example.yaml", config.Example())
	if err != nil {
		t.Fatal(err)
	}
	requests = protocol.AllRequests(cfg.ID)
	began := time.Now()
	c := startCentre(t, start)
	t.Logf("online %v after the start, the subscription refused %d times", time.Since(began).Round(time.Millisecond), refusals)
	if n := refused.Load(); n != refusals+1 {
		t.Errorf("the broker was asked %d times, want %d refusals and one grant", n, refusals)
	}
	kiosk := c.device(t, "kiosk-1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if r, err := kiosk.Request(ctx, protocol.Request{Op: protocol.OpTicket, Service: "A", Lang: "vi"}); err != nil || !r.OK {
		t.Fatalf("ticket once subscribed: %+v, %v", r, err)
	}
}

// A commit that fails, followed by a store that cannot be read back, stops
// the controller with ErrStateLost rather than serving a state that is not
// on disk: the process exits non-zero and systemd restarts it.
func TestStateLostStops(t *testing.T) {
	c := rawBroker(t, brokers[0].start)
	st, err := store.Open(filepath.Join(c.dir, "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctl, err := centre.New(context.Background(), centre.Options{Centre: c.cfg, Store: st, Broker: c.url, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	c.ctl, c.st = ctl, st
	c.waitOnline(t)

	kiosk := engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	r, err := ctl.Do(ctx, kiosk, protocol.Request{Key: "k1", Op: protocol.OpTicket, Service: "A", Lang: "vi"})
	if err != nil || !r.OK {
		t.Fatalf("ticket before the failure: %+v, %v", r, err)
	}
	// The disk goes away under the controller.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	r, err = ctl.Do(ctx, kiosk, protocol.Request{Key: "k2", Op: protocol.OpTicket, Service: "A", Lang: "vi"})
	if err == nil && (r.OK || r.Error == nil || r.Error.Code != protocol.CodeInternal) {
		t.Errorf("ticket on a closed store: %+v, want not saved", r)
	}
	select {
	case err := <-done:
		if !errors.Is(err, centre.ErrStateLost) {
			t.Fatalf("Run: %v, want ErrStateLost", err)
		}
		t.Logf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("controller still running 10s after its store failed")
	}
	if _, err := ctl.Do(context.Background(), kiosk, protocol.Request{Key: "k3", Op: protocol.OpTicket, Service: "A"}); !errors.Is(err, centre.ErrStopped) {
		t.Errorf("Do after the stop: %v, want ErrStopped", err)
	}
}
