package city_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker/natstest"
	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/internal/servertest"
)

// Twenty-one centres send their records to a 3-node NATS cluster, seven on
// each node's MQTT listener; two city instances share them through a NATS
// queue group into one SQLite store. A node is killed in the middle of the
// stream and restarted: its centres and instance move to the other nodes,
// the city view's data keeps advancing while it is down, every record is
// stored once and acknowledged to its centre, and both instances take part.
//
// While the killed node's JetStream streams (MQTT sessions, and the
// consumers of QoS 1 subscriptions) move, nats-server 2.9.10 refuses
// subscriptions for seconds, so a centre that moved must subscribe again
// (the uplink's session does, until the broker grants it). With the
// acknowledgements subscribed at QoS 1 they then often reach no centre
// until the node is back: the centres' windows fill and the city view
// stops. At QoS 0, as the uplink subscribes them, they are core NATS
// messages and flow again after a stall of a few seconds. Both are run;
// the view advancing is required at QoS 0, logged at QoS 1.
//
// Each is run on a cluster of its own, in parallel, kept for the next
// run (-count) since a cluster's start takes seconds.
func TestIngestNATSCluster(t *testing.T) {
	qos := []byte{0, 1}
	clusters := make([]*natstest.Cluster, len(qos))
	for i, q := range qos {
		clusters[i] = natstest.Shared(t, fmt.Sprintf("acks at QoS %d", q), 3)
	}
	noLeaks(t) // the parent's, once the clusters run: its check runs once both are done
	for i, q := range qos {
		t.Run(fmt.Sprintf("acks at QoS %d", q), func(t *testing.T) {
			t.Parallel()
			testNATSCluster(t, clusters[i], q)
		})
	}
}

// clusterRuns numbers the runs of testNATSCluster in this process.
var clusterRuns atomic.Int64

func testNATSCluster(t *testing.T, cl *natstest.Cluster, ackQoS byte) {
	watch := newStopwatch(t)
	// The cluster outlives the run: this run's centres, instances and
	// queue group are its own, so that it sees nothing of another's.
	runID := fmt.Sprintf("r%d", clusterRuns.Add(1))
	st := openStore(t, filepath.Join(t.TempDir(), "city.db"))
	var ingests []*city.Ingest
	for i, urls := range []string{cl.NATSURLs(), cl.NATS(2) + "," + cl.NATS(1) + "," + cl.NATS(0)} {
		g := city.NewIngest(city.IngestOptions{Store: st, NATS: urls, ClientID: fmt.Sprintf("city-%s-%d", runID, i),
			Share: "city-" + runID, Logger: quiet})
		run(t, g)
		ingests = append(ingests, g)
	}
	watch.lap("instances subscribed")

	const centres, n = 21, 50 // n records each, one every 150 ms
	const window, resendAfter = 8, 2 * time.Second
	sims := make([]*simCentre, centres)
	for i := range sims {
		node := i % 3
		sims[i] = dialCentre(fmt.Sprintf("%s-xa-%02d", runID, i+1),
			[]string{cl.MQTT(node), cl.MQTT((node + 1) % 3), cl.MQTT((node + 2) % 3)}, ackQoS)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		for _, c := range sims {
			c.client.Disconnect(0)
		}
	})
	for _, c := range sims {
		servertest.Eventually(t, c.id+" subscribed to its acknowledgements", 30*time.Second, c.subscribedOnce)
	}
	watch.lap("centres subscribed")
	for _, c := range sims {
		wg.Go(func() {
			// As an uplink: in order, a window of records waiting for
			// their acknowledgement, each sent again after resendAfter.
			tick := time.NewTicker(150 * time.Millisecond)
			defer tick.Stop()
			next := int64(1)
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-tick.C:
					waiting := c.resend(now, resendAfter, func(s int64) []byte { return encoded(c.id, s) })
					if next <= n && waiting < window {
						c.send(next, encoded(c.id, next))
						next++
					}
				}
			}
		})
	}
	sumLastSeq := func() int64 {
		rows, err := st.Centres(context.Background())
		if err != nil {
			t.Fatalf("Centres: %v", err)
		}
		var sum int64
		for _, r := range rows {
			sum += r.LastSeq
		}
		return sum
	}
	servertest.Eventually(t, "a quarter of the records stored", 30*time.Second, func() bool { return sumLastSeq() >= centres*n/4 })
	watch.lap("a quarter stored")

	cl.Kill(2)
	down := time.Now()
	seen := []int64{sumLastSeq()}
	// The acknowledgements stall for a few seconds (longer on a loaded
	// machine) while the JetStream streams behind MQTT's QoS 1 elect
	// leaders on the other nodes, then the records flow again while the
	// node is still down: the node stays down until the view has moved
	// on, 30 s at most.
	advanced := func() bool {
		last := seen[len(seen)-1]
		return last >= seen[0]+centres || last == int64(centres*n)
	}
	for time.Since(down) < 30*time.Second && (time.Since(down) < 4*time.Second || !advanced()) {
		time.Sleep(500 * time.Millisecond)
		seen = append(seen, sumLastSeq())
	}
	t.Logf("node 3 down for %s: the city view's sum of last seqs every 500 ms %v", time.Since(down).Round(100*time.Millisecond), seen)
	if !advanced() {
		if ackQoS == 0 {
			t.Errorf("the city view did not keep advancing while node 3 was down: %v", seen)
		} else {
			t.Logf("the city view stopped while node 3 was down: acknowledgements at QoS 1 stalled")
		}
	}
	watch.lap("node 3 down")
	// Restarted: the node catches up with the others while the records
	// flow, and serves again by the end.
	if err := cl.Relaunch(2); err != nil {
		t.Fatal(err)
	}
	watch.lap("node 3 started again")
	deadline := time.Now().Add(45 * time.Second)
	for _, c := range sims {
		for !c.ackedAll(n) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	var late bool
	for _, c := range sims {
		if c.ackedAll(n) {
			continue
		}
		late = true
		k, _ := st.Records(context.Background(), c.id)
		c.mu.Lock()
		var missing []int64
		for s := int64(1); s <= n; s++ {
			if c.acked[s] == 0 {
				missing = append(missing, s)
			}
		}
		c.mu.Unlock()
		t.Errorf("%s (connected %v, %d subscriptions failed): %d records stored; seqs %v not acknowledged within 45 s",
			c.id, c.client.IsConnectionOpen(), c.subFailed, k, missing)
	}
	if late {
		t.FailNow()
	}
	watch.lap("every record acknowledged")
	if err := cl.WaitReady(2); err != nil {
		t.Fatal(err)
	}
	watch.lap("node 3 serving again")
	cancel()
	wg.Wait()

	bg := context.Background()
	for _, c := range sims {
		if k, err := st.Records(bg, c.id); err != nil || k != n {
			t.Errorf("%s: %d records stored, %v; want %d", c.id, k, err, n)
		}
		for s := int64(1); s <= n; s++ {
			if f, ok, err := st.Record(bg, c.id, s); err != nil || !ok || f.Seq != s || f.Centre != c.id {
				t.Errorf("%s: record %d: %v %v", c.id, s, ok, err)
			}
		}
		c.mu.Lock()
		if c.bad > 0 {
			t.Errorf("%s: %d acknowledgements not its own", c.id, c.bad)
		}
		c.mu.Unlock()
	}
	var subFailed int
	for _, c := range sims {
		c.mu.Lock()
		subFailed += c.subFailed
		c.mu.Unlock()
	}
	t.Logf("%d subscriptions to acknowledgements failed and were made again", subFailed)
	var stored, dups int64
	for i, g := range ingests {
		got := g.Counters()
		t.Logf("instance %d: %+v", i, got)
		if got.Stored == 0 {
			t.Errorf("instance %d stored nothing", i)
		}
		if got.Refused != 0 || got.Failed != 0 {
			t.Errorf("instance %d: %d refused, %d failed", i, got.Refused, got.Failed)
		}
		stored += got.Stored
		dups += got.Duplicates
	}
	if stored != centres*n {
		t.Errorf("%d records stored for the first time, want %d", stored, centres*n)
	}
	t.Logf("%d records stored once each, %d sent again and acknowledged again", stored, dups)
}

// stopwatch logs how long each phase of a test took.
type stopwatch struct {
	t           testing.TB
	start, last time.Time
}

func newStopwatch(t testing.TB) *stopwatch {
	now := time.Now()
	w := &stopwatch{t: t, start: now, last: now}
	t.Cleanup(func() { w.lap("cleaned up") })
	return w
}

// lap logs the time since the last lap and since the start.
func (w *stopwatch) lap(phase string) {
	w.t.Helper()
	now := time.Now()
	w.t.Logf("%s: %v (%v from the start)", phase, now.Sub(w.last).Round(10*time.Millisecond), now.Sub(w.start).Round(10*time.Millisecond))
	w.last = now
}
