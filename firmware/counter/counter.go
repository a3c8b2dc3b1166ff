package counter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/protocol"
)

// What the display shows besides a ticket number: letters every driver of
// package display can draw, a 7-segment one too (no S, K, M, ...).
const (
	TextUnreachable = "----"
	TextError       = "Err"
	TextIdle        = "--"
	TextPaused      = "PAU"
)

// Errors callers branch on.
var (
	// ErrBusy: an earlier command still waits for its reply.
	ErrBusy = errors.New("counter: an earlier command still waits for its reply")
	// ErrRefused: the controller refused the command; the reply's error
	// is wrapped too.
	ErrRefused = errors.New("counter: refused by the controller")
	// ErrNoReply: no reply within Options.ReplyTimeout. The command stays
	// in the link's outbox and is answered when the controller is back.
	ErrNoReply = errors.New("counter: no reply from the controller yet; the command stays queued")
	// ErrKey: a key that names no command this terminal sends.
	ErrKey = errors.New("counter: bad key")
)

// Display shows the counter's current ticket. display.Counter (the
// drivers) satisfies it.
type Display interface {
	Show(text string) error
}

// Options configures a Counter.
type Options struct {
	Link *link.Link
	// Centre, Device and Counter are the ids: the terminal's device and
	// the counter it is bound to in the centre's configuration.
	Centre, Device, Counter string
	Display                 Display
	// ReplyTimeout is how long a key press waits for its reply; default 5s.
	ReplyTimeout time.Duration
	// ErrorFor is how long "Err" stays on the display; default 2s.
	ErrorFor time.Duration
	// Clock times the health's uptime, how long "Err" stays, the presence's
	// gathering and the display's retries; nil is the real clock.
	Clock  clock.Clock
	Logger *slog.Logger
}

// Counter is a counter terminal.
type Counter struct {
	opts    Options
	log     *slog.Logger
	started time.Time

	job sync.Mutex // one command at a time

	mu         sync.Mutex // guards what follows
	linkUp     bool
	controller bool // the controller's retained status says online
	state      *protocol.CounterState
	errUntil   time.Time
	lastErr    string
	displayErr bool // the last Show failed
	shown      string
	shownOnce  bool

	redraw  chan struct{} // cap 1: Run redraws the display
	changed chan struct{} // cap 1: Run publishes the presence again
}

// New returns a counter terminal; Run must run for the display to follow.
func New(opts Options) (*Counter, error) {
	if opts.Link == nil || opts.Display == nil {
		return nil, errors.New("counter.New: Link and Display are required")
	}
	for _, id := range []struct{ field, v string }{{"centre", opts.Centre}, {"device", opts.Device}, {"counter", opts.Counter}} {
		if err := protocol.CheckID(id.field, id.v); err != nil {
			return nil, fmt.Errorf("counter.New: %w", err)
		}
	}
	if opts.ReplyTimeout == 0 {
		opts.ReplyTimeout = 5 * time.Second
	}
	if opts.ErrorFor == 0 {
		opts.ErrorFor = 2 * time.Second
	}
	opts.Clock = clock.Or(opts.Clock)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Counter{opts: opts, log: opts.Logger.With("device", opts.Device, "centre", opts.Centre, "counter", opts.Counter),
		started: opts.Clock.Now(), redraw: make(chan struct{}, 1), changed: make(chan struct{}, 1)}
	c.linkUp = opts.Link.Connected()
	// One subscription to the whole state tree, dispatched by topic: with
	// the embedded broker, narrower filters were seen to miss messages.
	opts.Link.Subscribe(protocol.AllState(opts.Centre), c.onState)
	return c, nil
}

// presenceDelay gathers health changes that come together (the link up,
// then the controller's status) into one presence: the controller may
// handle presences that follow each other closely out of order.
const presenceDelay = 250 * time.Millisecond

// displayRetry is how often a failing display is tried again.
const displayRetry = 2 * time.Second

// Run keeps the display up to date and publishes the terminal's health when
// it changes, until ctx ends.
func (c *Counter) Run(ctx context.Context) error {
	c.draw()
	// Every wait on the clock that measured it: an error shown until a
	// time of the clock ends on the clock.
	var expired, publish, retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.changed:
			if publish == nil {
				publish = c.opts.Clock.After(presenceDelay)
			}
		case <-publish:
			publish = nil
			c.opts.Link.PublishPresence()
		case <-c.redraw:
		case <-expired:
			expired = nil
		case <-retry:
			retry = nil
		}
		if until := c.draw(); !until.IsZero() && expired == nil {
			expired = c.opts.Clock.After(until.Sub(c.opts.Clock.Now()))
		}
		c.mu.Lock()
		failing := c.displayErr
		c.mu.Unlock()
		if failing && retry == nil {
			retry = c.opts.Clock.After(displayRetry) // a display unplugged and back
		}
	}
}

// draw shows what the display should show now, if it changed, and returns
// when a shown error ends (zero if none is shown).
func (c *Counter) draw() time.Time {
	c.mu.Lock()
	text, until := c.textLocked()
	if c.shownOnce && text == c.shown && !c.displayErr {
		c.mu.Unlock()
		return until
	}
	c.mu.Unlock()
	err := c.opts.Display.Show(text)
	c.mu.Lock()
	was := c.displayErr
	c.displayErr = err != nil
	if err == nil {
		c.shown, c.shownOnce = text, true
	} else {
		c.lastErr = "display: " + err.Error()
	}
	c.mu.Unlock()
	if err != nil && !was {
		c.log.Error("display failed", "text", text, "err", err)
	}
	if was != (err != nil) {
		c.notify()
	}
	return until
}

// textLocked is what the display should show; c.mu is held.
func (c *Counter) textLocked() (string, time.Time) {
	if !c.linkUp || !c.controller {
		return TextUnreachable, time.Time{}
	}
	if now := c.opts.Clock.Now(); now.Before(c.errUntil) {
		return TextError, c.errUntil
	}
	if c.state == nil {
		return TextUnreachable, time.Time{}
	}
	switch c.state.Status {
	case protocol.CounterServing:
		return c.state.Ticket, time.Time{}
	case protocol.CounterPaused:
		return TextPaused, time.Time{}
	}
	return TextIdle, time.Time{}
}

// State is the counter's state as the terminal knows it; ok is false while
// it knows none (the controller unreachable, or not heard from yet).
func (c *Counter) State() (s protocol.CounterState, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == nil || !c.linkUp || !c.controller {
		return protocol.CounterState{}, false
	}
	return *c.state, true
}

// Health is the terminal's health for its presence: fault while the
// controller is unreachable or the display fails.
func (c *Counter) Health() protocol.Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := protocol.Health{Status: protocol.HealthOK, LastError: c.lastErr,
		UptimeSeconds: int64(c.opts.Clock.Now().Sub(c.started) / time.Second)}
	// Not the link's state: a presence is published only while it is up
	// (the birth even before OnConnection tells so).
	switch {
	case !c.controller:
		h.Status, h.LastError = protocol.HealthFault, "controller unreachable"
	case c.displayErr:
		h.Status = protocol.HealthFault
	}
	return h
}

// OnConnection is the link's Options.OnConnection: it shows at once that the
// controller is unreachable, and forgets the counter's state, which the
// retained state topic gives again on reconnection.
func (c *Counter) OnConnection(up bool) {
	c.mu.Lock()
	c.linkUp = up
	if !up {
		c.state, c.controller = nil, false
	}
	c.mu.Unlock()
	c.log.Info("link", "up", up)
	c.notify()
	c.wake()
}

// OnReply is the link's Options.OnReply: the reply to a command whose key
// press stopped waiting (or from before a restart) still updates the
// display.
func (c *Counter) OnReply(req protocol.Request, r protocol.Reply) {
	if !r.OK {
		c.log.Warn("late reply: command refused", "key", req.Key, "op", req.Op, "err", r.Error)
		return
	}
	c.log.Info("late reply", "key", req.Key, "op", req.Op, "ticket", ticketOf(r))
	c.apply(r.Counter, true)
}

func (c *Counter) onState(topic string, payload []byte) {
	t, err := protocol.ParseTopic(topic)
	if err != nil || len(payload) == 0 || t.Centre != c.opts.Centre {
		return
	}
	switch {
	case t.Kind == protocol.KindController:
		s, err := protocol.Decode[protocol.ControllerState](payload)
		if err != nil {
			c.log.Warn("bad controller state", "err", err)
			return
		}
		c.mu.Lock()
		was := c.controller
		c.controller = s.Online
		if !s.Online {
			c.state = nil
		}
		c.mu.Unlock()
		if was != s.Online {
			c.log.Info("controller", "online", s.Online)
			c.notify()
			c.wake()
		}
	case t.Kind == protocol.KindCounter && t.ID == c.opts.Counter:
		s, err := protocol.Decode[protocol.CounterState](payload)
		if err != nil {
			c.log.Warn("bad counter state", "topic", topic, "err", err)
			return
		}
		c.apply(&s, false)
	}
}

// apply takes a counter state from the state topic, or from a reply unless
// it is older than the one held: replies and state messages travel apart,
// but the state topic's messages come in order, the latest last (and a new
// day's closed counter has no Since at all).
func (c *Counter) apply(s *protocol.CounterState, fromReply bool) {
	if s == nil || s.Counter != c.opts.Counter {
		return
	}
	c.mu.Lock()
	if !fromReply || c.state == nil || !s.Since.Before(c.state.Since) {
		cp := *s
		c.state = &cp
	}
	c.mu.Unlock()
	c.wake()
}

func (c *Counter) setError(op protocol.Op, err error) {
	c.mu.Lock()
	c.lastErr = string(op) + ": " + err.Error()
	c.errUntil = c.opts.Clock.Now().Add(c.opts.ErrorFor)
	c.mu.Unlock()
	c.notify()
	c.wake()
}

func (c *Counter) wake() {
	select {
	case c.redraw <- struct{}{}:
	default:
	}
}

func (c *Counter) notify() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// Do sends one counter command with a new idempotency key and waits up to
// Options.ReplyTimeout for the reply, which updates the display. A refusal
// is an error wrapping ErrRefused and the reply's error, returned with the
// reply. Errors show "Err" on the display for a while and are logged.
func (c *Counter) Do(ctx context.Context, req protocol.Request) (protocol.Reply, error) {
	r, err := c.do(ctx, req)
	if err != nil && ctx.Err() == nil {
		c.log.Warn("command failed", "op", req.Op, "key", req.Key, "err", err)
		c.setError(req.Op, err)
	}
	return r, err
}

func (c *Counter) do(ctx context.Context, req protocol.Request) (protocol.Reply, error) {
	if !c.job.TryLock() {
		return protocol.Reply{}, ErrBusy
	}
	defer c.job.Unlock()
	if c.opts.Link.Pending() > 0 {
		return protocol.Reply{}, ErrBusy
	}
	if req.Op == protocol.OpPause {
		if s, ok := c.State(); ok && s.Status == protocol.CounterPaused {
			req.Op = protocol.OpResume
		}
	}
	if req.Key == "" {
		req.Key = c.newKey()
	}
	wait, cancel := context.WithTimeout(ctx, c.opts.ReplyTimeout)
	defer cancel()
	r, err := c.opts.Link.Request(wait, req)
	switch {
	case err != nil && ctx.Err() != nil:
		return r, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return r, fmt.Errorf("%s %s: %w", req.Op, req.Key, ErrNoReply)
	case err != nil:
		return r, fmt.Errorf("%s %s: link.Request: %w", req.Op, req.Key, err)
	case !r.OK:
		return r, fmt.Errorf("%s: %w: %w", req.Op, ErrRefused, r.Error)
	}
	c.log.Info("command done", "op", req.Op, "key", req.Key, "ticket", ticketOf(r))
	c.apply(r.Counter, true)
	return r, nil
}

func ticketOf(r protocol.Reply) string {
	if r.Ticket != nil {
		return r.Ticket.Number
	}
	return ""
}

// newKey makes an idempotency key unique across restarts.
func (c *Counter) newKey() string {
	b := make([]byte, 6)
	rand.Read(b)
	return c.opts.Device + "-" + hex.EncodeToString(b)
}
