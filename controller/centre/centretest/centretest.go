// Package centretest runs the example centre's controller for the tests of
// the programs that talk to it: its embedded broker on a free loopback
// port, its store in the test's folder, stopped and cleaned up with the
// test.
package centretest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/internal/clock"
)

// Options tune the controller under test.
type Options struct {
	// TickEvery is how often the controller republishes its state; zero
	// keeps the controller's default.
	TickEvery time.Duration
	// Logger receives the controller's and the broker's logs; nil
	// discards them.
	Logger *slog.Logger
	// Clock is the controller's clock; nil is the real one.
	Clock clock.Clock
}

// Centre is a running controller of the example centre
// (controller/config/example.yaml).
type Centre struct {
	Config *config.Centre
	URL    string // the broker, "tcp://127.0.0.1:port"
	Store  *store.Store
	Dir    string // the test's folder, for the devices' state too

	t    testing.TB
	opts Options

	mu   sync.Mutex
	ctl  *centre.Controller
	stop func()
}

// Start runs the example centre's controller and its broker until the end
// of the test.
func Start(t testing.TB, opts Options) *Centre {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, err := config.Parse("example.yaml", config.Example())
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Accounts: centre.Accounts(cfg), Logger: opts.Logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &Centre{Config: cfg, URL: "tcp://" + b.Addr(), Store: db, Dir: dir, t: t, opts: opts}
	c.Restart()
	t.Cleanup(c.Stop)
	return c
}

// Controller is the controller running now.
func (c *Centre) Controller() *centre.Controller {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctl
}

// Stop stops the controller, as a crash of its host would for the devices;
// the broker and the store stay.
func (c *Centre) Stop() {
	c.mu.Lock()
	stop := c.stop
	c.stop = nil
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Restart starts a controller on the same store, if none runs.
func (c *Centre) Restart() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	ctl, err := centre.New(ctx, centre.Options{Centre: c.Config, Store: c.Store, Broker: c.URL,
		Logger: c.opts.Logger, TickEvery: c.opts.TickEvery, Clock: c.opts.Clock})
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { ctl.Run(ctx); close(done) }()
	c.ctl = ctl
	c.stop = func() { cancel(); <-done }
}
