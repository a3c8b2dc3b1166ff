package city_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// noLeaks fails the test if goroutines started during it outlive it.
// Call it first, so that its check runs after every other cleanup.
func noLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before,
					buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// centre is a centre's uplink as the test drives it: it publishes records
// and counts the seqs the city acknowledges.
type centre struct {
	id     string
	client mqtt.Client
	mu     sync.Mutex
	acked  map[int64]int // seq: acknowledgements holding it
	bad    []string      // acknowledgements that are not this centre's
}

func connectCentre(t *testing.T, addr, id string) *centre {
	t.Helper()
	c := &centre{id: id, acked: map[int64]int{}}
	c.client = mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).
		SetClientID("centre-" + id).SetUsername("centre-" + id).SetPassword("pw-" + id))
	if tok := c.client.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("centre %s connect: %v", id, tok.Error())
	}
	t.Cleanup(func() { c.client.Disconnect(0) })
	tok := c.client.Subscribe(protocol.FiguresAckTopic(id), 1, func(_ mqtt.Client, m mqtt.Message) {
		a, err := protocol.Decode[protocol.FiguresAck](m.Payload())
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil || a.Centre != id {
			c.bad = append(c.bad, string(m.Payload()))
			return
		}
		for _, s := range a.Seqs {
			c.acked[s]++
		}
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("centre %s subscribe: %v", id, tok.Error())
	}
	return c
}

// send publishes a record, or raw bytes, on the centre's figures topic.
func (c *centre) send(t *testing.T, payload any) {
	t.Helper()
	var b []byte
	switch p := payload.(type) {
	case protocol.Figures:
		var err error
		if b, err = protocol.Encode(p); err != nil {
			t.Error(err)
			return
		}
	case []byte:
		b = p
	}
	if tok := c.client.Publish(protocol.FiguresTopic(c.id), 1, false, b); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Errorf("centre %s publish: %v", c.id, tok.Error()) // also from other goroutines
	}
}

// acks returns how many acknowledgements held each of seqs 1 to n, and
// whether any other seq was acknowledged.
func (c *centre) acks(n int64) (counts []int, others bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counts = make([]int, n)
	for s, k := range c.acked {
		if s < 1 || s > n {
			others = true
			continue
		}
		counts[s-1] = k
	}
	return counts, others
}

func (c *centre) allAcked(n int64, times int) bool {
	counts, _ := c.acks(n)
	for _, k := range counts {
		if k < times {
			return false
		}
	}
	return true
}

// run runs an Ingest until the test ends.
func run(t *testing.T, g *city.Ingest) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	servertest.Eventually(t, "subscribed", 10*time.Second, func() bool { return g.Counters().Subscribed > 0 })
}

// Three centres send twenty records each, then five of them again; one
// sends a malformed payload and a record claiming another centre. Every
// record is stored once and acknowledged to its centre once per sending;
// the bad messages are counted and never acknowledged.
func TestIngest(t *testing.T) {
	noLeaks(t)
	ids := []string{"ninh-kieu", "cai-rang", "binh-thuy"}
	b := startBroker(t, ids, []string{"city"})
	st := openStore(t, filepath.Join(t.TempDir(), "city.db"))
	now := at("2026-11-23", "09:00")
	g := city.NewIngest(city.IngestOptions{Store: st, Broker: "tcp://" + b.addr, Username: "city",
		Password: cityPassword, Clock: clock.NewFake(now), Logger: quiet})
	run(t, g)

	centres := make([]*centre, len(ids))
	for i, id := range ids {
		centres[i] = connectCentre(t, b.addr, id)
	}
	const n = 20 // records of each centre, 07:00 to 08:40
	for seq := int64(1); seq <= n; seq++ {
		for _, c := range centres {
			c.send(t, record(c.id, seq))
		}
	}
	nk, cr := centres[0], centres[1]
	nk.send(t, []byte(`{"v":1,"centre":"ninh-kieu","seq":`))
	spoof := record("cai-rang", 99)
	nk.send(t, spoof)
	for _, c := range centres {
		servertest.Eventually(t, c.id+"'s records acknowledged", 10*time.Second, func() bool { return c.allAcked(n, 1) })
	}
	// Sent again, as a centre does when an acknowledgement is lost:
	// acknowledged again, not stored again.
	for seq := int64(1); seq <= 5; seq++ {
		for _, c := range centres {
			c.send(t, record(c.id, seq))
		}
	}
	for _, c := range centres {
		servertest.Eventually(t, c.id+"'s records acknowledged again", 10*time.Second, func() bool {
			counts, _ := c.acks(5)
			for _, k := range counts {
				if k < 2 {
					return false
				}
			}
			return true
		})
	}

	ctx := context.Background()
	for _, c := range centres {
		if k, err := st.Records(ctx, c.id); err != nil || k != n {
			t.Errorf("%s: %d records stored, %v; want %d", c.id, k, err, n)
		}
		counts, others := c.acks(n)
		for i, k := range counts {
			if want := 1 + btoi(i < 5); k != want {
				t.Errorf("%s: record %d acknowledged %d times, want %d", c.id, i+1, k, want)
			}
		}
		if others || len(c.bad) > 0 {
			t.Errorf("%s: other acknowledgements: %v %q", c.id, others, c.bad)
		}
	}
	if _, ok, err := st.Record(ctx, "cai-rang", 99); ok || err != nil {
		t.Errorf("the spoofed record was stored: %v", err)
	}
	if _, others := cr.acks(n); others {
		t.Errorf("cai-rang got an acknowledgement for the spoofed record")
	}
	got := g.Counters()
	want := city.Counters{Received: 3*n + 2 + 3*5, Stored: 3 * n, Duplicates: 3 * 5, Refused: 2}
	if got.Received != want.Received || got.Stored != want.Stored || got.Duplicates != want.Duplicates ||
		got.Refused != want.Refused || got.Failed != 0 {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	// The last batch held some of records 1 to 5, which ended at 07:05 to
	// 07:25; the clock says 09:00.
	if got.Lag < 95*time.Minute || got.Lag > 115*time.Minute {
		t.Errorf("lag %s, want 1h35m to 1h55m", got.Lag)
	}
	t.Logf("counters %+v", got)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Two city instances share the figures through a shared subscription:
// each record reaches one of them, so every record is stored once, and
// both take part.
func TestIngestShared(t *testing.T) {
	noLeaks(t)
	ids := []string{"ninh-kieu", "cai-rang", "binh-thuy"}
	b := startBroker(t, ids, []string{"city-a", "city-b"})
	st := openStore(t, filepath.Join(t.TempDir(), "city.db"))
	var ingests []*city.Ingest
	for _, user := range []string{"city-a", "city-b"} {
		g := city.NewIngest(city.IngestOptions{Store: st, Broker: "tcp://" + b.addr, Username: user,
			Password: cityPassword, Share: "city", Logger: quiet})
		run(t, g)
		ingests = append(ingests, g)
	}
	const n = 100
	var centres []*centre
	for _, id := range ids {
		centres = append(centres, connectCentre(t, b.addr, id))
	}
	var wg sync.WaitGroup
	for _, c := range centres {
		wg.Go(func() {
			for seq := int64(1); seq <= n; seq++ {
				c.send(t, record(c.id, seq))
			}
		})
	}
	wg.Wait()
	for _, c := range centres {
		servertest.Eventually(t, c.id+"'s records acknowledged", 20*time.Second, func() bool { return c.allAcked(n, 1) })
	}
	if k, err := st.Records(context.Background(), ""); err != nil || k != 3*n {
		t.Errorf("%d records stored, %v; want %d", k, err, 3*n)
	}
	var sum city.Counters
	for i, g := range ingests {
		c := g.Counters()
		t.Logf("instance %d: %+v", i, c)
		if c.Stored == 0 {
			t.Errorf("instance %d stored nothing", i)
		}
		sum.Received += c.Received
		sum.Stored += c.Stored
		sum.Duplicates += c.Duplicates
	}
	if sum.Received != 3*n || sum.Stored != 3*n || sum.Duplicates != 0 {
		t.Errorf("received %d, stored %d, duplicates %d; want each record received and stored once",
			sum.Received, sum.Stored, sum.Duplicates)
	}
}

// The broker restarts: the Ingest connects again and subscribes again
// (its session was clean), and records sent then are stored.
func TestIngestReconnect(t *testing.T) {
	noLeaks(t)
	b := startBroker(t, []string{"ninh-kieu"}, []string{"city"})
	st := openStore(t, filepath.Join(t.TempDir(), "city.db"))
	for _, share := range []string{"", "city"} {
		g := city.NewIngest(city.IngestOptions{Store: st, Broker: "tcp://" + b.addr, Username: "city",
			Password: cityPassword, Share: share, Logger: quiet})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- g.Run(ctx) }()
		servertest.Eventually(t, "subscribed", 10*time.Second, func() bool { return g.Counters().Subscribed == 1 })
		b.restart()
		servertest.Eventually(t, "subscribed again", 15*time.Second, func() bool { return g.Counters().Subscribed == 2 })
		c := connectCentre(t, b.addr, "ninh-kieu")
		seq := int64(1 + btoi(share != ""))
		c.send(t, record("ninh-kieu", seq))
		servertest.Eventually(t, "the record acknowledged", 10*time.Second, func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.acked[seq] == 1
		})
		c.client.Disconnect(0)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if k, err := st.Records(context.Background(), "ninh-kieu"); err != nil || k != int(seq) {
			t.Errorf("share %q: %d records, %v", share, k, err)
		}
	}
}

// A record whose commit fails is not acknowledged: its centre keeps it
// and sends it again.
func TestIngestStoreFails(t *testing.T) {
	noLeaks(t)
	b := startBroker(t, []string{"ninh-kieu"}, []string{"city"})
	st := openStore(t, filepath.Join(t.TempDir(), "city.db"))
	g := city.NewIngest(city.IngestOptions{Store: st, Broker: "tcp://" + b.addr, Username: "city",
		Password: cityPassword, Logger: quiet})
	run(t, g)
	c := connectCentre(t, b.addr, "ninh-kieu")
	st.Close()
	c.send(t, record("ninh-kieu", 1))
	servertest.Eventually(t, "the commit failed", 10*time.Second, func() bool { return g.Counters().Failed == 1 })
	// An acknowledgement would have been published before the failure
	// was counted; give the broker time to deliver one anyway.
	c.send(t, []byte("{}"))
	servertest.Eventually(t, "the next message refused", 10*time.Second, func() bool { return g.Counters().Refused == 1 })
	if counts, others := c.acks(1); counts[0] != 0 || others {
		t.Errorf("acknowledged without a commit: %v %v", counts, others)
	}
	if got := g.Counters(); got.Acks != 0 || got.Stored != 0 {
		t.Errorf("counters %+v", got)
	}
}

// Without a broker Run keeps trying, and still stops when asked.
func TestIngestNoBroker(t *testing.T) {
	noLeaks(t)
	st := openStore(t, filepath.Join(t.TempDir(), "city.db"))
	addr := servertest.Addr(t) // reserved: nothing listens there
	g := city.NewIngest(city.IngestOptions{Store: st, Broker: "tcp://" + addr, Logger: quiet})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := g.Run(ctx); err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := city.NewIngest(city.IngestOptions{}).Run(ctx); err == nil {
		t.Errorf("Run without a store and a broker: no error")
	}
}
