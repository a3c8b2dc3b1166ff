package city_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

// simCentre behaves as a centre's uplink (controller/uplink) does towards
// the city: it publishes numbered records at QoS 1 and sends each again
// after a while until the city acknowledges it. It measures each record's
// lag, from its first publish to its first acknowledgement.
type simCentre struct {
	id     string
	client mqtt.Client

	mu    sync.Mutex
	first map[int64]time.Time     // sent, not acknowledged: first publish
	last  map[int64]time.Time     // and latest
	acked map[int64]int           // acknowledgements holding each seq
	lags  map[int64]time.Duration // seq: from first publish to first acknowledgement
	bad   int                     // acknowledgements not this centre's
	// subFailed counts subscriptions to the acknowledgements refused or
	// unanswered, each tried again a second later; subscribed those
	// granted.
	subFailed, subscribed int
}

// dialCentre connects a centre to the first of brokers that answers (MQTT
// host:port), moving to the others when its broker goes, as paho does with
// several servers; it subscribes to its acknowledgements at ackQoS (the
// uplink's 1) on every connect, and, unlike the uplink today, tries again
// while the broker refuses (NATS does while a killed node's streams move).
// It does not wait for the connection.
func dialCentre(id string, brokers []string, ackQoS byte) *simCentre {
	c := &simCentre{id: id, first: map[int64]time.Time{}, last: map[int64]time.Time{}, acked: map[int64]int{},
		lags: map[int64]time.Duration{}}
	o := mqtt.NewClientOptions().SetClientID("centre-" + id).SetUsername("centre-" + id).SetPassword("pw-" + id).
		SetProtocolVersion(4).SetCleanSession(true).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(250 * time.Millisecond).SetMaxReconnectInterval(time.Second).
		SetConnectTimeout(5 * time.Second).SetKeepAlive(30 * time.Second).
		SetOnConnectHandler(func(cl mqtt.Client) {
			for cl.IsConnectionOpen() {
				tok := cl.Subscribe(protocol.FiguresAckTopic(id), ackQoS, c.onAck)
				if tok.WaitTimeout(10*time.Second) && tok.Error() == nil && !refused(tok) {
					c.mu.Lock()
					c.subscribed++
					c.mu.Unlock()
					return
				}
				c.mu.Lock()
				c.subFailed++
				c.mu.Unlock()
				time.Sleep(time.Second)
			}
		})
	for _, b := range brokers {
		o.AddBroker("tcp://" + b)
	}
	c.client = mqtt.NewClient(o)
	c.client.Connect()
	return c
}

// refused reports whether the broker refused a subscription (SUBACK 0x80).
func refused(tok mqtt.Token) bool {
	st, ok := tok.(*mqtt.SubscribeToken)
	if !ok {
		return false
	}
	for _, q := range st.Result() {
		if q == 0x80 {
			return true
		}
	}
	return false
}

func (c *simCentre) onAck(_ mqtt.Client, m mqtt.Message) {
	now := time.Now()
	a, err := protocol.Decode[protocol.FiguresAck](m.Payload())
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || a.Centre != c.id {
		c.bad++
		return
	}
	for _, s := range a.Seqs {
		if t, ok := c.first[s]; ok {
			c.lags[s] = now.Sub(t)
			delete(c.first, s)
			delete(c.last, s)
		}
		c.acked[s]++
	}
}

// send publishes record seq for the first time, without waiting.
func (c *simCentre) send(seq int64, payload []byte) {
	now := time.Now()
	c.mu.Lock()
	c.first[seq], c.last[seq] = now, now
	c.mu.Unlock()
	c.client.Publish(protocol.FiguresTopic(c.id), 1, false, payload)
}

// resend publishes again the records sent before now-after and not
// acknowledged, and returns how many records wait for their acknowledgement.
func (c *simCentre) resend(now time.Time, after time.Duration, payload func(seq int64) []byte) (waiting int) {
	c.mu.Lock()
	var again []int64
	for s, t := range c.last {
		if now.Sub(t) >= after {
			again = append(again, s)
			c.last[s] = now
		}
	}
	waiting = len(c.first)
	c.mu.Unlock()
	slices.Sort(again)
	for _, s := range again {
		c.client.Publish(protocol.FiguresTopic(c.id), 1, false, payload(s))
	}
	return waiting
}

// subscribedOnce reports whether the broker has granted the centre's
// subscription to its acknowledgements.
func (c *simCentre) subscribedOnce() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.subscribed > 0
}

// ackedAll reports whether seqs 1 to n have each been acknowledged.
func (c *simCentre) ackedAll(n int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := int64(1); s <= n; s++ {
		if c.acked[s] == 0 {
			return false
		}
	}
	return true
}

func encoded(centre string, seq int64) []byte {
	b, err := protocol.Encode(record(centre, seq))
	if err != nil {
		panic(err)
	}
	return b
}

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

// TestLoad3321 is the load run of BENCHMARKS.md: 3,321 centres (every
// commune and ward of Vietnam), each on its own MQTT connection to a real
// Mosquitto with its own account, send one record per interval to one city
// Ingest on SQLite. The 5-minute interval is compressed to each of
// CITY_LOAD_INTERVALS in turn (default 10s,5s,3s,2s,1s), ROUNDS intervals
// each (CITY_LOAD_ROUNDS, default 4); within an interval the centres send
// over its first fifth, as their clocks spread over a minute of five. The
// publishers run in the test's process: the memory printed is theirs and
// the city's together.
//
//	CITY_LOAD=1 go test -run TestLoad3321 -v -timeout 30m ./controller/city/
func TestLoad3321(t *testing.T) {
	if os.Getenv("CITY_LOAD") == "" {
		t.Skip("a load run of minutes: CITY_LOAD=1 go test -run TestLoad3321 -v -timeout 30m ./controller/city/")
	}
	centres := 3321
	if s := os.Getenv("CITY_LOAD_CENTRES"); s != "" {
		centres, _ = strconv.Atoi(s)
	}
	rounds := 4
	if s := os.Getenv("CITY_LOAD_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	intervals := "10s,5s,3s,2s,1s"
	if s := os.Getenv("CITY_LOAD_INTERVALS"); s != "" {
		intervals = s
	}
	ids := make([]string, centres)
	for i := range ids {
		ids[i] = fmt.Sprintf("xa-%04d", i+1)
	}
	b := startBroker(t, ids, []string{"city"})
	st := openStore(t, filepath.Join(t.TempDir(), "city.db"))
	g := city.NewIngest(city.IngestOptions{Store: st, Broker: "tcp://" + b.addr, Username: "city",
		Password: cityPassword, Logger: quiet})
	run(t, g)

	start := time.Now()
	sims := make([]*simCentre, centres)
	for i, id := range ids {
		sims[i] = dialCentre(id, []string{b.addr}, 1)
		if i%100 == 99 {
			time.Sleep(20 * time.Millisecond) // Mosquitto's listen backlog
		}
	}
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, c := range sims {
			wg.Go(func() { c.client.Disconnect(0) })
		}
		wg.Wait()
	})
	for _, c := range sims {
		servertest.Eventually(t, c.id+" connected", 60*time.Second, c.client.IsConnectionOpen)
	}
	time.Sleep(time.Second) // the last subscriptions to acknowledgements
	t.Logf("%d centres connected in %s", centres, time.Since(start).Round(time.Millisecond))

	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	t.Logf("centres connected, before any record: heap in use %d MB, sys %d MB", base.HeapInuse>>20, base.Sys>>20)
	var payloads *sync.Map // this phase's payloads per centre and seq, made before it
	size := len(encoded(ids[0], 1))
	t.Logf("record size %d bytes", size)
	payload := func(id string, seq int64) []byte {
		if p, ok := payloads.Load(fmt.Sprint(id, seq)); ok {
			return p.([]byte)
		}
		return encoded(id, seq)
	}
	ctx := context.Background()
	seq := int64(0)
	for _, spec := range strings.Split(intervals, ",") {
		every, err := time.ParseDuration(spec)
		if err != nil {
			t.Fatal(err)
		}
		payloads = &sync.Map{}
		for k := range rounds {
			for _, id := range ids {
				payloads.Store(fmt.Sprint(id, seq+1+int64(k)), encoded(id, seq+1+int64(k)))
			}
		}
		type send struct {
			at time.Duration
			c  *simCentre
		}
		var plan []send
		for k := range rounds {
			for _, c := range sims {
				plan = append(plan, send{time.Duration(k)*every + time.Duration(rand.Int64N(int64(every/5))), c})
			}
		}
		slices.SortFunc(plan, func(a, b send) int { return int(a.at - b.at) })
		before := g.Counters()
		cpu0, brokerCPU0 := cpuTime(t, 0), cpuTime(t, b.Pid())
		var heapMax, sysMax atomic.Uint64
		stopMem := make(chan struct{})
		var memWG sync.WaitGroup
		memWG.Go(func() {
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				heapMax.Store(max(heapMax.Load(), m.HeapInuse))
				sysMax.Store(max(sysMax.Load(), m.Sys))
				select {
				case <-stopMem:
					return
				case <-tick.C:
				}
			}
		})
		// Resends as an uplink does, every ResendAfter (30 s for 5 min,
		// compressed alike).
		resendAfter := max(every/10, time.Second)
		stopResend := make(chan struct{})
		var resendWG sync.WaitGroup
		resendWG.Go(func() {
			tick := time.NewTicker(resendAfter / 4)
			defer tick.Stop()
			for {
				select {
				case <-stopResend:
					return
				case now := <-tick.C:
					for _, c := range sims {
						c.resend(now, resendAfter, func(s int64) []byte { return payload(c.id, s) })
					}
				}
			}
		})
		t0 := time.Now()
		nextSeq := map[*simCentre]int64{}
		for _, p := range plan {
			if d := time.Until(t0.Add(p.at)); d > time.Millisecond {
				time.Sleep(d)
			}
			nextSeq[p.c]++
			s := seq + nextSeq[p.c]
			p.c.send(s, payload(p.c.id, s))
		}
		sent := time.Since(t0)
		seq += int64(rounds)
		deadline := time.Now().Add(max(60*time.Second, 10*every))
		done := true
		for _, c := range sims {
			for !c.ackedAll(seq) {
				if time.Now().After(deadline) {
					done = false
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if !done {
				break
			}
		}
		took := time.Since(t0)
		close(stopResend)
		resendWG.Wait()
		close(stopMem)
		memWG.Wait()
		after := g.Counters()
		cpu, brokerCPU := cpuTime(t, 0)-cpu0, cpuTime(t, b.Pid())-brokerCPU0
		var lags []time.Duration
		byRound := make([][]time.Duration, rounds)
		for _, c := range sims {
			c.mu.Lock()
			for k := range byRound {
				if d, ok := c.lags[seq-int64(rounds)+1+int64(k)]; ok {
					lags = append(lags, d)
					byRound[k] = append(byRound[k], d)
				}
			}
			c.mu.Unlock()
		}
		slices.Sort(lags)
		var perRound []string
		for _, r := range byRound {
			slices.Sort(r)
			perRound = append(perRound, fmt.Sprintf("%s/%s", quantile(r, 0.99).Round(10*time.Millisecond), quantile(r, 1).Round(10*time.Millisecond)))
		}
		stored := after.Stored - before.Stored
		want := int64(centres * rounds)
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		t.Logf("interval %s: offered %.0f records/s (%d in %s), stored %d in %s = %.0f records/s; "+
			"lag p50 %s p99 %s max %s; duplicates %d, batches %d (%.0f records each); heap in use max %d MB, sys max %d MB; all acknowledged: %v; "+
			"lag p99/max per interval %v; CPU s: test process (city and publishers) %.1f, mosquitto %.1f",
			every, float64(want)/sent.Seconds(), want, sent.Round(time.Millisecond), stored, took.Round(time.Millisecond),
			float64(stored)/took.Seconds(), quantile(lags, 0.5).Round(time.Millisecond), quantile(lags, 0.99).Round(time.Millisecond),
			quantile(lags, 1).Round(time.Millisecond), after.Duplicates-before.Duplicates, after.Batches-before.Batches,
			float64(after.Stored-before.Stored+after.Duplicates-before.Duplicates)/float64(max(1, after.Batches-before.Batches)),
			heapMax.Load()>>20, sysMax.Load()>>20, done, perRound, cpu.Seconds(), brokerCPU.Seconds())
		// Sustained: every record stored and acknowledged before the
		// next interval's records are all sent.
		if !done {
			t.Logf("interval %s: not every record acknowledged; stopping", every)
			break
		}
		if quantile(lags, 1) > every {
			t.Logf("interval %s: not sustained: the latest records wait longer than an interval", every)
		}
	}
	if n, err := st.Records(ctx, ""); err != nil || n != int(seq)*centres && !t.Failed() {
		t.Logf("%d records stored, %v", n, err)
	}
}

// cpuTime is the user and system CPU time of process pid (0: this one) so
// far, from /proc.
func cpuTime(t *testing.T, pid int) time.Duration {
	p := "/proc/self/stat"
	if pid != 0 {
		p = fmt.Sprintf("/proc/%d/stat", pid)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Logf("cpu time: %v", err)
		return 0
	}
	// Fields after the command's closing parenthesis: state is field 3,
	// utime 14 and stime 15, in clock ticks of 10 ms.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}
