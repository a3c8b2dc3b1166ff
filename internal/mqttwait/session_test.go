package mqttwait_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/mqttwait"
)

var quiet = slog.New(slog.DiscardHandler)

// waitLimit bounds, in real time, every wait on a broker.
const waitLimit = 10 * time.Second

// refusingClient is a Subscriber whose broker refuses the first refusals
// attempts; it notes when each attempt was made, by the bubble's clock.
type refusingClient struct {
	refusals int
	mu       sync.Mutex
	attempts []time.Duration // since start
	start    time.Time
	open     bool
}

func (c *refusingClient) SubscribeMultiple(map[string]byte, mqtt.MessageHandler) mqtt.Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attempts = append(c.attempts, time.Since(c.start))
	if len(c.attempts) <= c.refusals {
		return answered{mqttwait.ErrRefused}
	}
	return answered{}
}

func (c *refusingClient) IsConnectionOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

// answered is a token the broker answered at once, with err.
type answered struct{ err error }

func (answered) Wait() bool                     { return true }
func (answered) WaitTimeout(time.Duration) bool { return true }
func (answered) Done() <-chan struct{}          { ch := make(chan struct{}); close(ch); return ch }
func (a answered) Error() error                 { return a.err }

// The backoff between attempts on one connection, on the clock: doubled
// from FirstRetry up to MaxRetry, begun again on a new connection, and
// ended with the context. No network: the real clock in a bubble.
func TestSessionBackoff(t *testing.T) {
	tests := []struct {
		name     string
		refusals int
		want     []time.Duration // the attempts, since the connection
	}{
		{"granted at once", 0, []time.Duration{0}},
		{"refused twice", 2, []time.Duration{0, time.Second, 3 * time.Second}},
		{"up to the most", 7, []time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second,
			15 * time.Second, 31 * time.Second, 61 * time.Second, 91 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client := &refusingClient{refusals: tt.refusals, start: time.Now(), open: true}
				var subscribed atomic.Int32
				s := mqttwait.NewSession(mqttwait.SessionOptions{Filters: map[string]byte{"qs/v1/c1/dev/+/req": 1},
					What: "requests", FirstRetry: time.Second, MaxRetry: 30 * time.Second, Logger: quiet,
					OnSubscribed: func() { subscribed.Add(1) }})
				o := s.Configure(mqtt.NewClientOptions())
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				wg.Go(func() { s.Run(ctx, client) })
				o.OnConnect(nil)
				time.Sleep(time.Hour) // virtual: every wait of the session is over
				synctest.Wait()
				cancel()
				wg.Wait()
				if !slices.Equal(client.attempts, tt.want) {
					t.Errorf("attempts at %v, want %v", client.attempts, tt.want)
				}
				if subscribed.Load() != 1 || s.Granted() != 1 || !s.Connected() {
					t.Errorf("subscribed %d, granted %d, connected %v; want once, once, true", subscribed.Load(), s.Granted(), s.Connected())
				}
			})
		})
	}

	// A new connection while the session waits: tried on it at once, the
	// backoff begun again; a lost one is reported; none tried after the end.
	synctest.Test(t, func(t *testing.T) {
		client := &refusingClient{refusals: 100, start: time.Now(), open: true}
		var ups []bool
		var mu sync.Mutex
		s := mqttwait.NewSession(mqttwait.SessionOptions{What: "requests", FirstRetry: time.Second, MaxRetry: time.Minute,
			Logger: quiet, OnConnection: func(up bool) { mu.Lock(); ups = append(ups, up); mu.Unlock() }})
		o := s.Configure(mqtt.NewClientOptions())
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { s.Run(ctx, client) })
		o.OnConnect(nil)
		time.Sleep(3500 * time.Millisecond) // attempts at 0, 1 and 3 s, waiting 4 s
		o.OnConnectionLost(nil, errors.New("broker gone"))
		if s.Connected() {
			t.Error("connected after the loss")
		}
		o.OnConnect(nil) // at 3.5 s: at once, then 1 s later
		time.Sleep(time.Second)
		synctest.Wait()
		cancel()
		wg.Wait()
		time.Sleep(time.Hour)
		want := []time.Duration{0, time.Second, 3 * time.Second, 3500 * time.Millisecond, 4500 * time.Millisecond}
		if !slices.Equal(client.attempts, want) {
			t.Errorf("attempts at %v, want %v", client.attempts, want)
		}
		if !slices.Equal(ups, []bool{true, false, true}) {
			t.Errorf("connections reported %v", ups)
		}
	})
}

// session runs a Session on a paho client of the broker at url until the
// test ends; messages of its filters go to got.
type session struct {
	*mqttwait.Session
	client mqtt.Client
	got    chan string
}

func startSession(t *testing.T, url, user, password string, opts mqttwait.SessionOptions) *session {
	t.Helper()
	s := &session{got: make(chan string, 16)}
	opts.Broker, opts.What, opts.Logger = url, "the test's topics", quiet
	opts.Handler = func(_ mqtt.Client, m mqtt.Message) { s.got <- string(m.Payload()) }
	s.Session = mqttwait.NewSession(opts)
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(user).SetUsername(user).SetPassword(password).
		SetProtocolVersion(4).SetCleanSession(true).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(50 * time.Millisecond).SetMaxReconnectInterval(100 * time.Millisecond)
	s.client = mqtt.NewClient(s.Configure(o))
	s.client.Connect()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(ctx, s.client) })
	t.Cleanup(func() { cancel(); wg.Wait(); s.client.Disconnect(0) })
	return s
}

// publisher is a second client of the broker, to send the session's
// client messages.
func publisher(t *testing.T, url, user, password string) mqtt.Client {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID(user).SetUsername(user).SetPassword(password).
		SetProtocolVersion(4).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(50 * time.Millisecond).SetMaxReconnectInterval(100 * time.Millisecond))
	if tok := c.Connect(); !tok.WaitTimeout(waitLimit) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// heard publishes payload on topic until the session's client hears it:
// it publishes again while a reconnection is under way.
func heard(t *testing.T, s *session, pub mqtt.Client, topic, payload string) {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		pub.Publish(topic, 1, false, payload).WaitTimeout(waitLimit)
		select {
		case got := <-s.got:
			if got == payload {
				return
			}
		case <-time.After(100 * time.Millisecond): // a real broker's delivery: no clock to fake
		case <-deadline:
			t.Fatalf("%s on %s not heard within %s", payload, topic, waitLimit)
		}
	}
}

// untilGranted waits, in real time, for the broker to have granted the
// session's filters n times.
func untilGranted(t *testing.T, s *session, n int64) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for s.Granted() < n {
		if time.Now().After(deadline) {
			t.Fatalf("granted %d times within %s, want %d", s.Granted(), waitLimit, n)
		}
		<-time.After(10 * time.Millisecond) // the broker's answer, on the network's time
	}
}

// advanceUntilAsked ends each wait the session asks clk for as soon as it
// asks, until it asked for n waits in all; the last one is left waiting.
func advanceUntilAsked(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case <-clk.Asked():
			if len(clk.Durations()) >= n {
				return
			}
			clk.Advance(time.Hour)
		case <-deadline:
			t.Fatalf("the session asked for %d waits within %s, want %d", len(clk.Durations()), waitLimit, n)
		}
	}
}

// Against the embedded broker: refused at first, tried again on the same
// connection with backoff on the Fake clock until granted, then heard.
func TestSessionEmbeddedRetries(t *testing.T) {
	const refusals = 3
	var refused atomic.Int32
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Logger: quiet,
		Accounts: []broker.Account{
			{Username: "controller", Password: "controller-pw", Centre: "c1"},
			{Username: "kiosk-1", Password: "kiosk-pw", Centre: "c1", Device: "kiosk-1"},
		},
		Refuse: func(username, topic string, write bool) bool {
			return username == "controller" && topic == "qs/v1/c1/dev/+/req" && !write && refused.Add(1) <= refusals
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	url := "tcp://" + b.Addr()
	clk := clock.NewFake(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
	s := startSession(t, url, "controller", "controller-pw",
		mqttwait.SessionOptions{Filters: map[string]byte{"qs/v1/c1/dev/+/req": 1}, Clock: clk})
	advanceUntilAsked(t, clk, refusals)
	if s.Granted() != 0 {
		t.Fatalf("granted while refused")
	}
	clk.Advance(time.Hour)
	untilGranted(t, s, 1)
	if got, want := clk.Durations(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits between attempts %v, want %v", got, want)
	}
	heard(t, s, publisher(t, url, "kiosk-1", "kiosk-pw"), "qs/v1/c1/dev/kiosk-1/req", "once granted")
}

// Against a real Mosquitto: an attempt the broker does not answer (it is
// frozen as the connection comes up) tried again on the clock, on the same
// connection; the subscription renewed after a restart of the broker,
// which forgot it. (Mosquitto's acl_file grants every subscription and
// filters at delivery, so its refusal codes are the embedded broker's
// test's.)
func TestSessionMosquitto(t *testing.T) {
	accounts := []broker.Account{
		{Username: "controller", Password: "controller-pw", Centre: "c1"},
		{Username: "kiosk-1", Password: "kiosk-pw", Centre: "c1", Device: "kiosk-1"},
	}
	m := mosquittotest.Start(t, accounts)
	url := "tcp://" + m.Addr()
	pub := publisher(t, url, "kiosk-1", "kiosk-pw")
	const topic = "qs/v1/c1/dev/kiosk-1/req"

	t.Run("not answered", func(t *testing.T) {
		clk := clock.NewFake(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
		pid := m.Pid()
		var froze atomic.Bool
		s := startSession(t, url, "controller", "controller-pw", mqttwait.SessionOptions{
			Filters: map[string]byte{"qs/v1/c1/dev/+/req": 1}, Clock: clk, Wait: 200 * time.Millisecond,
			OnConnection: func(up bool) {
				if up && froze.CompareAndSwap(false, true) {
					syscall.Kill(pid, syscall.SIGSTOP) // before the subscription goes
				}
			}})
		defer syscall.Kill(pid, syscall.SIGCONT)
		advanceUntilAsked(t, clk, 1)
		if s.Granted() != 0 {
			t.Fatalf("granted by a frozen broker")
		}
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		untilGranted(t, s, 1)
		if got, want := clk.Durations(), []time.Duration{time.Second}; !slices.Equal(got, want) {
			t.Errorf("waits between attempts %v, want %v", got, want)
		}
		heard(t, s, pub, topic, "once answered")
	})

	t.Run("renewed after a restart", func(t *testing.T) {
		s := startSession(t, url, "controller", "controller-pw", mqttwait.SessionOptions{Filters: map[string]byte{"qs/v1/c1/dev/+/req": 1}})
		untilGranted(t, s, 1)
		heard(t, s, pub, topic, "before the restart")
		m.Restart()
		untilGranted(t, s, 2)
		heard(t, s, pub, topic, "after the restart")
		if !s.Connected() {
			t.Error("not connected after the restart")
		}
	})
}
