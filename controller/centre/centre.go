package centre

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/mqttwait"
	"github.com/sothutu/sothutu/protocol"
)

// ErrStopped is returned by Do once the controller has stopped.
var ErrStopped = errors.New("controller stopped")

// Options configures a Controller.
type Options struct {
	Centre *config.Centre
	Store  *store.Store
	// Broker is the MQTT broker's URL, "tcp://127.0.0.1:1883".
	Broker string
	// Clock tells the time and times the ticks, the alert checks and the
	// subscription's retries; nil is the real clock in the centre's zone.
	Clock   clock.Clock
	Logger  *slog.Logger
	Version string
	// MaxBatch bounds how many requests are committed together; default 256.
	MaxBatch int
	// TickEvery is how often the day boundary is checked and the service
	// states are republished; default 30s.
	TickEvery time.Duration
	// AlertEvery is how often the alerts are checked when nothing happens;
	// default 5s. They are checked after every change too.
	AlertEvery time.Duration
	// IdleAlertAfter is how long a counter may stay idle while its services
	// have people waiting before it is an alert; default 1 minute.
	IdleAlertAfter time.Duration
	// OfflineAlertAfter is how long a device of the configuration may be
	// unheard of after the controller starts before it is an alert; default 1 minute.
	OfflineAlertAfter time.Duration
}

// Controller is a running centre.
type Controller struct {
	opts    Options
	log     *slog.Logger
	centre  *config.Centre
	engine  *engine.Engine
	store   *store.Store
	clock   clock.Clock
	started time.Time

	in        chan job
	reads     chan func()   // run by the writer, which owns the engine
	republish chan struct{} // asks the writer to publish the whole state
	stopped   chan struct{} // closed when the writer has stopped
	session   *mqttwait.Session
	client    mqtt.Client
	live      atomic.Pointer[mqtt.Client] // client, for other goroutines

	mu       sync.Mutex
	devices  map[string]DeviceStatus
	rejected int

	// Owned by the writer.
	alerts   map[alertKey]protocol.Alert
	overview *Overview // built since the last change, or nil

	watchers watchers
}

// New loads the committed state and returns a controller ready to Run.
func New(ctx context.Context, opts Options) (*Controller, error) {
	if opts.Centre == nil || opts.Store == nil {
		return nil, errors.New("centre.New: Centre and Store are required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{Location: opts.Centre.Location}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBatch == 0 {
		opts.MaxBatch = 256
	}
	if opts.TickEvery == 0 {
		opts.TickEvery = 30 * time.Second
	}
	if opts.AlertEvery == 0 {
		opts.AlertEvery = 5 * time.Second
	}
	if opts.IdleAlertAfter == 0 {
		opts.IdleAlertAfter = time.Minute
	}
	if opts.OfflineAlertAfter == 0 {
		opts.OfflineAlertAfter = time.Minute
	}
	secret, err := opts.Store.Secret(ctx)
	if err != nil {
		return nil, err
	}
	c := &Controller{
		opts: opts, centre: opts.Centre, store: opts.Store, clock: opts.Clock,
		log:       opts.Logger.With("centre", opts.Centre.ID),
		in:        make(chan job, 4096),
		reads:     make(chan func()),
		republish: make(chan struct{}, 1),
		stopped:   make(chan struct{}),
		devices:   map[string]DeviceStatus{},
	}
	// The wait printed on tickets learns from the last four weeks of
	// service times and arrivals; today's are learned from the snapshot.
	snap, err := c.store.Load(ctx, c.now().Add(-48*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	loc := opts.Centre.Location
	history, err := c.store.History(ctx, opts.Centre.Day(c.now().AddDate(0, 0, -28)), snap.Day, loc)
	if err != nil {
		return nil, fmt.Errorf("load history: %w", err)
	}
	c.engine = engine.New(engine.Options{Centre: opts.Centre, Secret: secret, History: history})
	c.restore(snap)
	if err := c.loadAlerts(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// now is the controller's time.
func (c *Controller) now() time.Time { return c.clock.Now() }

func (c *Controller) restore(snap *engine.Snapshot) {
	c.engine.Restore(snap)
	c.log.Info("state loaded", "day", snap.Day, "tickets", len(snap.Tickets), "replies", len(snap.Requests))
}

func (c *Controller) load(ctx context.Context) error {
	snap, err := c.store.Load(ctx, c.now().Add(-48*time.Hour))
	if err != nil {
		return fmt.Errorf("load state: %w", err)
	}
	c.restore(snap)
	return nil
}

// Run connects to the broker and serves until ctx ends. It returns an error
// wrapping ErrStateLost when a commit failed and the state could not be
// rebuilt from the store: the process should end, and be restarted.
func (c *Controller) Run(ctx context.Context) error {
	c.started = c.now()
	if err := c.connect(); err != nil {
		return err
	}
	stopSession := c.session.Start(ctx, c.client)
	defer func() {
		stopSession()
		close(c.stopped)
		c.publishController(false)
		c.client.Disconnect(250)
	}()
	return c.write(ctx)
}

func (c *Controller) connect() error {
	acct := c.centre.Controller
	will, err := protocol.Encode(protocol.ControllerState{Online: false})
	if err != nil {
		return err
	}
	o := mqtt.NewClientOptions().
		AddBroker(c.opts.Broker).
		SetClientID(acct.Username).
		SetUsername(acct.Username).
		SetPassword(acct.Password).
		SetCleanSession(false).
		SetStore(newResumeStore()).
		SetOrderMatters(false).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetMaxReconnectInterval(5*time.Second).
		SetKeepAlive(10*time.Second).
		SetBinaryWill(protocol.ControllerTopic(c.centre.ID), will, 1, true)
	c.session = c.subscriptions()
	c.client = mqtt.NewClient(c.session.Configure(o))
	c.live.Store(&c.client)
	// With ConnectRetry the token completes at the first success; Run goes
	// on meanwhile and answers once the link is up.
	c.client.Connect()
	return nil
}

// onMessage runs on paho's goroutines: it decodes and queues, never blocks
// on the engine.
func (c *Controller) onMessage(_ mqtt.Client, m mqtt.Message) {
	t, err := protocol.ParseTopic(m.Topic())
	if err != nil || t.Centre != c.centre.ID {
		c.reject("bad topic", m.Topic(), err)
		return
	}
	switch t.Kind {
	case protocol.KindPresence:
		c.presence(t.ID, m.Payload())
	case protocol.KindRequest:
		c.request(t.ID, m.Payload())
	}
}

func (c *Controller) reject(what, device string, err error) {
	c.mu.Lock()
	c.rejected++
	c.mu.Unlock()
	c.log.Warn(what, "device", device, "err", err)
}

func (c *Controller) request(device string, payload []byte) {
	d, ok := c.centre.Device(device)
	if !ok {
		c.reject("request from unknown device", device, errors.New("not in the configuration"))
		return
	}
	actor := engine.Actor{Device: d.ID, Kind: d.Kind, Counter: d.Counter}
	req, err := protocol.Decode[protocol.Request](payload)
	if err != nil {
		// Decode keeps the key and op it could read, so that the device
		// can match the refusal to its request.
		c.reject("bad request", device, err)
		r := protocol.Reply{V: protocol.Version, Key: req.Key, Op: req.Op, Error: protocol.ReplyError(err)}
		c.queue(deviceRequest{actor: actor, refusal: &r})
		return
	}
	c.queue(deviceRequest{actor: actor, req: req})
}

// queue hands a job from MQTT to the writer, unless the writer has stopped.
func (c *Controller) queue(j job) {
	select {
	case c.in <- j:
	case <-c.stopped:
	}
}

// Republish asks the writer to publish the whole state again, the advice
// included, without waiting for the next tick.
func (c *Controller) Republish() {
	select {
	case c.republish <- struct{}{}:
	default:
	}
}

// Do applies a request for actor through the writer, durably, and returns
// its reply. It is how in-process callers (pages, simulators, tests) act.
func (c *Controller) Do(ctx context.Context, actor engine.Actor, req protocol.Request) (protocol.Reply, error) {
	if err := req.Validate(); err != nil {
		return protocol.Reply{V: protocol.Version, Key: req.Key, Op: req.Op, Error: protocol.ReplyError(err)}, nil
	}
	j := callerRequest{actor: actor, req: req, done: make(chan protocol.Reply, 1)}
	select {
	case c.in <- j:
	case <-c.stopped:
		return protocol.Reply{}, ErrStopped
	case <-ctx.Done():
		return protocol.Reply{}, ctx.Err()
	}
	select {
	case r, ok := <-j.done:
		if !ok {
			return protocol.Reply{}, ErrStopped
		}
		return r, nil
	case <-c.stopped:
		// A job queued as the writer stopped is not answered; one it
		// answered before stopping is.
		select {
		case r, ok := <-j.done:
			if ok {
				return r, nil
			}
		default:
		}
		return protocol.Reply{}, ErrStopped
	case <-ctx.Done():
		return protocol.Reply{}, ctx.Err()
	}
}
