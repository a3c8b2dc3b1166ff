package mqttwait

import (
	"context"
	"crypto/tls"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/internal/clock"
)

// Subscriber is what a Session needs of its client; mqtt.Client has it.
type Subscriber interface {
	SubscribeMultiple(filters map[string]byte, callback mqtt.MessageHandler) mqtt.Token
	IsConnectionOpen() bool
}

// SessionOptions configures a Session.
type SessionOptions struct {
	// Broker names the broker in the logs.
	Broker string
	// Filters are subscribed together on every connection, each at its QoS.
	Filters map[string]byte
	// Handler takes the filters' messages, on paho's goroutines.
	Handler mqtt.MessageHandler
	// What names the subscription in the logs: "requests".
	What string
	// Advice is logged with a failed attempt: what it means and what to
	// check ("the controller hears no device; check the broker's ACL for
	// the controller account").
	Advice string
	// FailureLevel is the level a failed attempt is logged at; default
	// slog.LevelError.
	FailureLevel slog.Level
	// OnConnection is told of every connection (true), before the
	// subscription is tried, and of every loss (false), on paho's
	// goroutines: it must not block.
	OnConnection func(up bool)
	// OnSubscribed runs once the broker granted the filters on a
	// connection, on Run's goroutine.
	OnSubscribed func()
	// FirstRetry is the first wait between attempts on one connection,
	// doubled after each up to MaxRetry; defaults 1s and 30s.
	FirstRetry, MaxRetry time.Duration
	// Wait bounds the wait for the broker's answer to one attempt, on the
	// network's time; default 10s.
	Wait time.Duration
	// Clock times the waits between attempts; nil is the real clock.
	Clock  clock.Clock
	Logger *slog.Logger
}

// Session keeps a server-side client's subscriptions. Paho renews none
// after a reconnection, and completes a refused one without an error; a
// broker may refuse one for a while (a cluster moving a lost node's
// sessions, an ACL being fixed), and a client that gave up would hear
// nothing until its next connection. So on every connection a Session
// subscribes, and tries again with backoff while the connection lasts,
// until the broker grants every filter or the context ends.
//
// Wire it before the client is made: Configure sets the client options'
// connection handlers; then Run on the client.
type Session struct {
	opts      SessionOptions
	log       *slog.Logger
	connected chan struct{} // signalled on each connection, for Run
	up        atomic.Bool
	granted   atomic.Int64
}

// NewSession returns a Session for the options, its defaults filled in.
func NewSession(opts SessionOptions) *Session {
	if opts.FirstRetry <= 0 {
		opts.FirstRetry = time.Second
	}
	if opts.MaxRetry < opts.FirstRetry {
		opts.MaxRetry = max(30*time.Second, opts.FirstRetry)
	}
	if opts.Wait <= 0 {
		opts.Wait = 10 * time.Second
	}
	if opts.FailureLevel == 0 {
		opts.FailureLevel = slog.LevelError
	}
	opts.Clock = clock.Or(opts.Clock)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Session{opts: opts, log: opts.Logger, connected: make(chan struct{}, 1)}
}

// Configure sets o's connection and connection-lost handlers to the
// session's.
func (s *Session) Configure(o *mqtt.ClientOptions) *mqtt.ClientOptions {
	return o.SetOnConnectHandler(func(mqtt.Client) { s.onConnect() }).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { s.onLost(err) })
}

func (s *Session) onConnect() {
	s.log.Info("connected to the broker", "broker", s.opts.Broker)
	s.up.Store(true)
	if s.opts.OnConnection != nil {
		s.opts.OnConnection(true)
	}
	select {
	case s.connected <- struct{}{}:
	default: // Run has one to take already
	}
}

func (s *Session) onLost(err error) {
	s.log.Warn("broker connection lost", "broker", s.opts.Broker, "err", err)
	s.up.Store(false)
	if s.opts.OnConnection != nil {
		s.opts.OnConnection(false)
	}
}

// Start runs Run on client in a goroutine of its own. The stop it returns
// ends that goroutine and waits for it to return, so that the client can
// be disconnected after it.
func (s *Session) Start(ctx context.Context, client Subscriber) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	running.Go(func() { s.Run(ctx, client) })
	return func() {
		cancel()
		running.Wait()
	}
}

// ClientOptions are a server-side client's on a clean session that
// connects and reconnects forever, every second at first and then up to
// every 30s, and keeps the connection alive every 30s: the uplink's and
// the city ingest's. The caller sets the order its messages are taken in.
func ClientOptions(broker, clientID, username, password string, tlsConfig *tls.Config) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().AddBroker(broker).
		SetClientID(clientID).SetUsername(username).SetPassword(password).
		SetCleanSession(true).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).SetMaxReconnectInterval(30 * time.Second).
		SetKeepAlive(30 * time.Second)
	if tlsConfig != nil {
		o.SetTLSConfig(tlsConfig)
	}
	return o
}

// Connected reports whether the client is connected, as its handlers
// were last told.
func (s *Session) Connected() bool { return s.up.Load() }

// Granted is how many times the broker granted the filters: once per
// connection, once it did.
func (s *Session) Granted() int64 { return s.granted.Load() }

// Run subscribes on every connection of client until ctx ends.
func (s *Session) Run(ctx context.Context, client Subscriber) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.connected:
		}
		s.subscribeUntilGranted(ctx, client)
	}
}

// subscribeUntilGranted subscribes, and tries again with backoff while the
// connection lasts and ctx does not end, until the broker grants it.
func (s *Session) subscribeUntilGranted(ctx context.Context, client Subscriber) {
	delay := s.opts.FirstRetry
	for attempt := 1; ; attempt++ {
		err := Subscribed(ctx, client.SubscribeMultiple(maps.Clone(s.opts.Filters), s.opts.Handler), s.opts.Wait)
		if err == nil {
			s.granted.Add(1)
			s.log.Info("subscribed to "+s.opts.What, "broker", s.opts.Broker, "attempts", attempt,
				"filters", slices.Sorted(maps.Keys(s.opts.Filters)))
			if s.opts.OnSubscribed != nil {
				s.opts.OnSubscribed()
			}
			return
		}
		if ctx.Err() != nil || !client.IsConnectionOpen() {
			return // the next connection tries again
		}
		s.log.Log(ctx, s.opts.FailureLevel, "subscribe to "+s.opts.What+" failed: "+s.opts.Advice+"; trying again",
			"broker", s.opts.Broker, "err", err, "attempt", attempt, "in", delay)
		select {
		case <-ctx.Done():
			return
		case <-s.connected:
			delay = s.opts.FirstRetry // a new connection: try on it at once
		case <-s.opts.Clock.After(delay):
			delay = min(2*delay, s.opts.MaxRetry)
		}
	}
}
