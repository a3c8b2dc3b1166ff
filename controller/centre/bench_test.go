package centre_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// BenchmarkRoundTrip compares, on each broker, a raw QoS 1 request/reply
// round trip between two clients (no controller) with a call next through
// the controller, from the command sent until both its reply and the new
// counter state have arrived.
func BenchmarkRoundTrip(b *testing.B) {
	for _, br := range brokers {
		b.Run(br.name+"/raw", func(b *testing.B) {
			c := rawBroker(b, br.start)
			responder := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(c.url).SetClientID("controller").
				SetUsername(c.cfg.Controller.Username).SetPassword(c.cfg.Controller.Password))
			if tok := responder.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				b.Fatal(tok.Error())
			}
			defer responder.Disconnect(100)
			reply := protocol.ReplyTopic(c.cfg.ID, "counter-1")
			responder.Subscribe(protocol.RequestTopic(c.cfg.ID, "counter-1"), 1, func(cl mqtt.Client, m mqtt.Message) {
				cl.Publish(reply, 1, false, m.Payload())
			}).Wait()
			dev := c.client(b, "counter-1")
			got := subscribe(b, dev, reply)
			payload := []byte(`{"v":1,"key":"k","op":"call_next"}`)
			var lat centretest.Latencies
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				dev.Publish(protocol.RequestTopic(c.cfg.ID, "counter-1"), 1, false, payload)
				<-got
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			lat.Report(b)
		})
		b.Run(br.name+"/call-next", func(b *testing.B) {
			c := startCentre(b, br.start)
			fill(b, c, b.N+1)
			dev := c.client(b, "counter-1")
			replies := subscribe(b, dev, protocol.ReplyTopic(c.cfg.ID, "counter-1"))
			states := subscribe(b, dev, protocol.CounterTopic(c.cfg.ID, "1"))
			// Drain the retained state.
			select {
			case <-states:
			case <-time.After(time.Second):
			}
			var lat centretest.Latencies
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				dev.Publish(protocol.RequestTopic(c.cfg.ID, "counter-1"), 1, false,
					fmt.Appendf(nil, `{"v":1,"key":"b%d","op":"call_next"}`, i))
				<-replies
				<-states
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			lat.Report(b)
		})
	}
}

// fill issues n tickets of service A through the writer, many at a time.
func fill(b *testing.B, c *centreUnderTest, n int) {
	b.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	kiosk := engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < n; i += 32 {
				r, err := c.ctl.Do(ctx, kiosk, protocol.Request{Key: fmt.Sprint("fill", i), Op: protocol.OpTicket, Service: "A"})
				if err != nil || !r.OK {
					b.Errorf("fill: %+v %v", r, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkDurable compares the controller's durable command rate (tickets
// issued by many devices at once, each acknowledged only once on disk) with
// the raw rate of single-row SQLite inserts, each its own durable
// transaction, on the same disk.
func BenchmarkDurable(b *testing.B) {
	b.Run("commands", func(b *testing.B) {
		c := startCentre(b, brokers[0].start)
		kiosk := engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
		var mu sync.Mutex
		n := 0
		b.SetParallelism(32)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				mu.Lock()
				n++
				key := fmt.Sprint("d", n)
				mu.Unlock()
				r, err := c.ctl.Do(context.Background(), kiosk, protocol.Request{Key: key, Op: protocol.OpTicket, Service: "A"})
				if err != nil || !r.OK {
					b.Errorf("ticket: %+v %v", r, err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	})
	b.Run("raw-sqlite-insert", func(b *testing.B) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "raw.db")+
			"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := db.Exec(`INSERT INTO t VALUES (?, ?)`, i, "A001"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
	})
}
