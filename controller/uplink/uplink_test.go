package uplink_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/uplink"
	fakeclock "github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is the centre's simulated time: a clock.Fake for the controller,
// whose ticks the test moves with the day. The uplink's timers fire at
// once, and it keeps what they were set for.
type clock struct {
	*fakeclock.Fake
	mu     sync.Mutex
	timers []time.Duration
}

// startCentre runs the example centre on a clock at 7:00 on a Monday,
// before its doors open.
func startCentre(t *testing.T) (*clock, *centretest.Centre) {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	clk := newClock(time.Date(2026, 11, 23, 7, 0, 0, 0, loc))
	return clk, centretest.Start(t, centretest.Options{Clock: clk.Fake})
}

// runUplink runs the centre's uplink with the account of cityAccounts
// and the rest of opts, until stop.
func runUplink(t *testing.T, c *centretest.Centre, opts uplink.Options) (stop func()) {
	t.Helper()
	opts.Centre, opts.Store, opts.Controller = c.Config, c.Store, c.Controller()
	opts.Username, opts.Password, opts.Logger = "centre-ninh-kieu", "uplink-secret", quiet
	u, err := uplink.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// cityAccounts are the accounts on the city's broker: the centre's uplink
// and the city's.
var cityAccounts = []broker.Account{
	{Username: "centre-ninh-kieu", Password: "uplink-secret", Centre: "ninh-kieu"},
	{Username: "city", Password: "city-secret", Centre: "ninh-kieu"},
}

func newClock(start time.Time) *clock { return &clock{Fake: fakeclock.NewFake(start)} }

func (c *clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, d)
	fired := make(chan time.Time, 1)
	fired <- c.Now()
	return fired
}

func (c *clock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.timers)
}

func (c *clock) add(d time.Duration) { c.Advance(d) }

// link is a TCP proxy standing for the centre's uplink: cut drops its
// connections and refuses new ones until mend.
type link struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newLink(t *testing.T, target string) *link {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &link{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); l.cut() })
	go l.serve()
	return l
}

func (l *link) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		if l.down {
			l.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", l.target)
		if err != nil {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns = append(l.conns, c, up)
		l.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

func (l *link) mend() {
	l.mu.Lock()
	l.down = false
	l.mu.Unlock()
}

// cityside is the city's real side: its ingest and store, on the
// upstream broker.
type cityside struct {
	t     *testing.T
	store *city.Store
	in    *city.Ingest
}

func startCity(t *testing.T, url string, tlsConfig *tls.Config, password string) *cityside {
	st, err := city.OpenStore(filepath.Join(t.TempDir(), "city.db"))
	if err != nil {
		t.Fatal(err)
	}
	in := city.NewIngest(city.IngestOptions{Store: st, Broker: url, TLS: tlsConfig, Username: "city", Password: password,
		Filter: protocol.FiguresTopic("ninh-kieu"), Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return &cityside{t: t, store: st, in: in}
}

// count is how many of the centre's records the city has stored.
func (c *cityside) count() int {
	n, err := c.store.Records(context.Background(), "ninh-kieu")
	if err != nil {
		c.t.Error(err)
	}
	return n
}

func eventually(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	servertest.Eventually(t, what, within, ok)
}

// The uplink is cut for a whole simulated day while the centre works;
// the uplink program is restarted during the outage. When the link comes
// back every record reaches the city exactly once in the city's store, in
// order, the intervals follow each other without a gap, and their counts
// add up to the tickets the centre issued.
func TestOutage(t *testing.T) {
	clk, c := startCentre(t)
	loc := clk.Now().Location()
	up := mosquittotest.Start(t, cityAccounts)
	cty := startCity(t, "tcp://"+up.Addr(), nil, "city-secret")
	wire := newLink(t, up.Addr())

	const rate = 100
	start := func() (stop func()) {
		return runUplink(t, c, uplink.Options{Broker: "tcp://" + wire.ln.Addr().String(),
			Rate: rate, Window: 8, ResendAfter: time.Second, Poll: 5 * time.Millisecond, Clock: clk})
	}
	stop := start()
	defer func() { stop() }()

	// The centre at work: a citizen a minute from 7:00 to 17:00, counters
	// calling as they come.
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	issued := map[string]int{} // by local day
	n := 0
	work := func(until time.Time) {
		t.Helper()
		for ; clk.Now().Before(until); clk.add(time.Minute) {
			now := clk.Now().In(loc)
			if now.Hour() < 7 || now.Hour() >= 17 {
				continue
			}
			n++
			svc := []string{"A", "B", "C", "D", "E", "F"}[rng.IntN(6)]
			r, err := c.Controller().Do(ctx, engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk},
				protocol.Request{Key: fmt.Sprint("t", n), Op: protocol.OpTicket, Service: svc})
			if err != nil || !r.OK {
				t.Fatalf("ticket: %+v %v", r, err)
			}
			issued[now.Format(time.DateOnly)]++
			counter := fmt.Sprint(1 + rng.IntN(8))
			actor := engine.Actor{Device: "counter-" + counter, Kind: protocol.DeviceCounter, Counter: counter}
			if _, err := c.Controller().Do(ctx, actor, protocol.Request{Key: fmt.Sprint("c", n), Op: protocol.OpCallNext}); err != nil {
				t.Fatal(err)
			}
		}
	}

	// An hour with the link up: its twelve intervals arrive.
	work(time.Date(2026, 11, 23, 8, 0, 0, 0, loc))
	eventually(t, "the first hour at the city", 10*time.Second, func() bool { return cty.count() == 12 })

	eventually(t, "the first hour acknowledged", 10*time.Second, func() bool {
		n, err := c.Store.CountPendingFigures(ctx)
		return err == nil && n == 0
	})

	// The link is cut for a day; the uplink restarts in the middle of it.
	wire.cut()
	work(time.Date(2026, 11, 23, 20, 0, 0, 0, loc))
	stop()
	stop = start()
	work(time.Date(2026, 11, 24, 8, 0, 0, 0, loc))
	eventually(t, "the day's records made", 10*time.Second, func() bool {
		last, _ := c.Store.LastFiguresSpan(ctx, protocol.FiguresInterval)
		return last.Equal(time.Date(2026, 11, 24, 8, 0, 0, 0, loc))
	})
	backlog, err := c.Store.CountPendingFigures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 24 hours of intervals and the day of the 23rd.
	if backlog != 24*12+1 {
		t.Errorf("backlog %d records, want %d", backlog, 24*12+1)
	}
	if got := cty.count(); got != 12 {
		t.Fatalf("the city got %d records through a cut link", got)
	}

	// The link comes back: the backlog drains, in order, at the rate.
	mended := time.Now()
	wire.mend()
	total := 12 + backlog
	deadline := time.Now().Add(60 * time.Second)
	for cty.count() != total {
		if time.Now().After(deadline) {
			n, _ := c.Store.CountPendingFigures(ctx)
			t.Fatalf("the city has %d of %d records after 60 s; %d not acknowledged; ingest %+v", cty.count(), total, n, cty.in.Counters())
		}
		time.Sleep(20 * time.Millisecond)
	}
	eventually(t, "every record acknowledged", 10*time.Second, func() bool {
		n, err := c.Store.CountPendingFigures(ctx)
		return err == nil && n == 0
	})
	drained := time.Since(mended)

	order, err := cty.store.Arrivals(ctx, "ninh-kieu")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(order, want) {
		t.Errorf("records stored in the order %v", order)
	}
	if min := time.Duration(float64(backlog-1) / rate * float64(time.Second)); drained < min {
		t.Errorf("%d records drained in %s, faster than %d a second", backlog, drained, rate)
	}
	counts := cty.in.Counters()
	if counts.Stored != int64(total) || counts.Refused != 0 {
		t.Errorf("the city stored %d records of %d, refused %d", counts.Stored, total, counts.Refused)
	}
	t.Logf("%d records, %d copies received (%d duplicates), backlog of %d drained in %s",
		total, counts.Received, counts.Duplicates, backlog, drained.Round(time.Millisecond))

	var prev time.Time
	sums := map[string]int{}
	for _, seq := range order {
		f, ok, err := cty.store.Record(ctx, "ninh-kieu", seq)
		if err != nil || !ok {
			t.Fatalf("record %d: %v %v", seq, ok, err)
		}
		for _, s := range f.Services {
			if f.Kind == protocol.FiguresInterval {
				sums["interval "+f.Day] += s.Issued
			} else {
				sums["day "+f.Day] += s.Issued
			}
		}
		if f.Kind != protocol.FiguresInterval {
			continue
		}
		if !prev.IsZero() && !f.From.Equal(prev) {
			t.Errorf("record %d starts at %s, the one before ended at %s", seq, f.From, prev)
		}
		prev = f.To
	}
	if sums["interval 2026-11-23"] != issued["2026-11-23"] || sums["day 2026-11-23"] != issued["2026-11-23"] {
		t.Errorf("issued on the 23rd: %d, intervals say %d, the day record %d",
			issued["2026-11-23"], sums["interval 2026-11-23"], sums["day 2026-11-23"])
	}
	if sums["interval 2026-11-24"] != issued["2026-11-24"] {
		t.Errorf("issued on the 24th: %d, intervals say %d", issued["2026-11-24"], sums["interval 2026-11-24"])
	}
}

// Over TLS, with the city broker's certificate authority given as the
// -uplink-ca file would be, records reach the city and are acknowledged;
// an uplink that does not trust the broker sends nothing.
func TestTLS(t *testing.T) {
	clk, c := startCentre(t)
	up := mosquittotest.StartTLS(t, cityAccounts)
	url := "ssl://" + up.Addr()
	trusted, err := config.BrokerTLS(url, up.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	cty := startCity(t, url, trusted, "city-secret")
	run := func(tlsConfig *tls.Config) func() {
		return runUplink(t, c, uplink.Options{Broker: url, TLS: tlsConfig, Poll: 5 * time.Millisecond, Clock: clk})
	}
	// Without the CA: the system's roots do not know the test's.
	untrusted, _ := config.BrokerTLS(url, "")
	stop := run(untrusted)
	ctx := context.Background()
	eventually(t, "an interval made", 10*time.Second, func() bool {
		if n, _ := c.Store.CountPendingFigures(ctx); n > 0 {
			return true
		}
		clk.add(5 * time.Minute) // until the uplink, started at its own pace, sees one end
		time.Sleep(50 * time.Millisecond)
		return false
	})
	made, _ := c.Store.CountPendingFigures(ctx)
	time.Sleep(time.Second) // it would have been sent by now
	if n := cty.count(); n != 0 {
		t.Fatalf("the city got %d records from an uplink that does not trust it", n)
	}
	stop()
	stop = run(trusted)
	defer stop()
	eventually(t, "the records at the city over TLS", 10*time.Second, func() bool { return cty.count() == made })
	eventually(t, "the record acknowledged", 10*time.Second, func() bool {
		n, _ := c.Store.CountPendingFigures(ctx)
		return n == 0
	})
}

// A city broker that refuses the acknowledgements' subscription at first
// is asked again, with backoff on the uplink's clock and no sleeping, on
// the same connection, until it grants it; the records are then
// acknowledged.
func TestAcksSubscriptionRetried(t *testing.T) {
	clk, c := startCentre(t)
	const refusals = 3
	var refused atomic.Int32
	acks := protocol.FiguresAckTopic("ninh-kieu")
	up, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Logger: quiet,
		Accounts: cityAccounts,
		Refuse: func(username, topic string, write bool) bool {
			// The subscription's filter is the delivered topic too: only
			// the first refusals count.
			if username != "centre-ninh-kieu" || topic != acks || write || refused.Load() >= refusals {
				return false
			}
			refused.Add(1)
			return true
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	url := "tcp://" + up.Addr()
	cty := startCity(t, url, nil, "city-secret")
	stop := runUplink(t, c, uplink.Options{Broker: url, ResendAfter: time.Second, Poll: 5 * time.Millisecond, Clock: clk})
	defer stop()
	ctx := context.Background()

	eventually(t, "an interval made", 10*time.Second, func() bool {
		if n, _ := c.Store.CountPendingFigures(ctx); n > 0 {
			return true
		}
		clk.add(5 * time.Minute)
		return false
	})
	eventually(t, "the records at the city", 10*time.Second, func() bool { return cty.count() > 0 })
	eventually(t, "the records acknowledged", 10*time.Second, func() bool {
		n, _ := c.Store.CountPendingFigures(ctx)
		return n == 0
	})
	if got, want := clk.waits(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits between attempts %v, want %v", got, want)
	}
}
