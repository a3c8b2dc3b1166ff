package city

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/mqttwait"
	"github.com/sothutu/sothutu/protocol"
)

// ErrSpoofed is logged for a record whose centre is not its topic's.
var ErrSpoofed = errors.New("record's centre is not its topic's")

// IngestOptions configures an Ingest.
type IngestOptions struct {
	Store *Store
	// Broker is the city's broker: "tcp://host:1883", or "ssl://host:8883"
	// with TLS (nil: the system's roots).
	Broker string
	// NATS, instead of Broker, is a NATS cluster whose MQTT listeners the
	// centres use: comma-separated URLs "nats://host:4222,..." (TLS with
	// "tls://"), tried in turn and forever. NATS's MQTT has no shared
	// subscriptions: the Ingest takes the figures with a NATS queue
	// subscription of group Share (default "city") instead, and publishes
	// the acknowledgements as NATS messages, which reach the centres'
	// MQTT subscriptions.
	NATS               string
	TLS                *tls.Config
	Username, Password string
	// ClientID defaults to Username, or "city" without one. Each city
	// instance needs its own.
	ClientID string
	// Filter defaults to protocol.AllFigures.
	Filter string
	// Share, when set, subscribes to "$share/<Share>/<Filter>": the
	// broker hands each message to one of the instances of the group.
	Share string
	// Batch is how many records are committed at most per transaction;
	// default 500.
	Batch int
	// Clock dates the records' receipt and times the waits between
	// attempts to subscribe; nil is the real one.
	Clock  clock.Clock
	Logger *slog.Logger
}

// Counters are an Ingest's counts since it was made.
type Counters struct {
	Received   int64 // messages on the figures topics
	Stored     int64 // records stored for the first time
	Duplicates int64 // records already stored, acknowledged again
	Refused    int64 // messages not decoded, invalid or spoofed
	Failed     int64 // records whose commit failed, not acknowledged
	Acks       int64 // acknowledgements published
	Batches    int64 // transactions committed
	Subscribed int64 // subscriptions made, one per connect
	// Lag is, for the last batch committed, its commit time minus the end
	// of its newest record: how late the freshest figures reach the city.
	Lag time.Duration
}

// Ingest takes figures records off the city's broker into the Store.
type Ingest struct {
	opts IngestOptions
	log  *slog.Logger
	in   chan protocol.Figures

	received, stored, duplicates, refused, failed atomic.Int64
	acks, batches, subscribed                     atomic.Int64
	lag                                           atomic.Int64
}

// NewIngest returns an Ingest ready to Run.
func NewIngest(opts IngestOptions) *Ingest {
	if opts.ClientID == "" {
		opts.ClientID = opts.Username
	}
	if opts.ClientID == "" {
		opts.ClientID = "city"
	}
	if opts.Filter == "" {
		opts.Filter = protocol.AllFigures
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	opts.Clock = clock.Or(opts.Clock)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Ingest{opts: opts, log: opts.Logger.With("part", "ingest"),
		in: make(chan protocol.Figures, 2*opts.Batch)}
}

// Counters returns the counts so far.
func (g *Ingest) Counters() Counters {
	return Counters{Received: g.received.Load(), Stored: g.stored.Load(), Duplicates: g.duplicates.Load(),
		Refused: g.refused.Load(), Failed: g.failed.Load(), Acks: g.acks.Load(), Batches: g.batches.Load(),
		Subscribed: g.subscribed.Load(), Lag: time.Duration(g.lag.Load())}
}

// subscription is the filter subscribed to.
func (g *Ingest) subscription() string {
	if g.opts.Share != "" {
		return "$share/" + g.opts.Share + "/" + g.opts.Filter
	}
	return g.opts.Filter
}

// Run connects, stores and acknowledges records until ctx ends. Records
// received but not committed then are not acknowledged: their centres send
// them again.
func (g *Ingest) Run(ctx context.Context) error {
	if g.opts.Store == nil || (g.opts.Broker == "") == (g.opts.NATS == "") {
		return errors.New("city.Ingest.Run: Store and one of Broker or NATS are required")
	}
	if g.opts.NATS != "" {
		return g.runNATS(ctx)
	}
	// Records are taken in the order they arrive, so that a centre's
	// records are stored in the order it sent them; taking one only
	// queues it for the writer.
	o := mqttwait.ClientOptions(g.opts.Broker, g.opts.ClientID, g.opts.Username, g.opts.Password, g.opts.TLS).
		SetOrderMatters(true)
	session := g.subscriptions(ctx)
	client := mqtt.NewClient(session.Configure(o))
	client.Connect()

	var wg sync.WaitGroup
	wg.Go(func() { session.Run(ctx, client) })
	wg.Go(func() { g.write(ctx, mqttAcks{client}) })
	<-ctx.Done()
	wg.Wait()
	client.Disconnect(250)
	return nil
}

// subscriptions is the ingest's session: the figures subscribed on every
// connection, since with a clean session the broker forgot the
// subscription along with the connection, and tried again with backoff
// until the broker grants it.
func (g *Ingest) subscriptions(ctx context.Context) *mqttwait.Session {
	return mqttwait.NewSession(mqttwait.SessionOptions{
		Broker:       g.opts.Broker,
		Filters:      map[string]byte{g.subscription(): 1},
		Handler:      func(_ mqtt.Client, m mqtt.Message) { g.take(ctx, m.Topic(), m.Payload()) },
		What:         "figures",
		Advice:       "the city receives no figures (check the account's rights on the city broker)",
		OnSubscribed: func() { g.subscribed.Add(1) },
		Clock:        g.opts.Clock, Logger: g.log,
	})
}

// acker publishes a centre's acknowledgement on the transport the
// records came by, without waiting.
type acker interface {
	ack(centre string, payload []byte) error
}

type mqttAcks struct{ client mqtt.Client }

func (a mqttAcks) ack(centre string, payload []byte) error {
	a.client.Publish(protocol.FiguresAckTopic(centre), 1, false, payload)
	return nil
}

// take checks a message, by its MQTT topic, and hands the record to the
// writer. It waits while the writer is behind, which holds the broker's
// flow of messages.
func (g *Ingest) take(ctx context.Context, topic string, payload []byte) {
	g.received.Add(1)
	t, err := protocol.ParseTopic(topic)
	if err == nil && t.Kind != protocol.KindFigures {
		err = protocol.ErrTopic
	}
	if err != nil {
		g.refused.Add(1)
		g.log.Warn("figures refused: bad topic", "topic", topic, "err", err)
		return
	}
	f, err := protocol.Decode[protocol.Figures](payload)
	if err != nil {
		g.refused.Add(1)
		g.log.Warn("figures refused: bad record", "centre", t.Centre, "err", err)
		return
	}
	if f.Centre != t.Centre {
		g.refused.Add(1)
		g.log.Warn("figures refused", "centre", t.Centre, "claimed", f.Centre, "seq", f.Seq, "err", ErrSpoofed)
		return
	}
	select {
	case g.in <- f:
	case <-ctx.Done():
	}
}

// write is the single writer: it commits what is waiting, up to Batch
// records, in one transaction, then acknowledges them.
func (g *Ingest) write(ctx context.Context, client acker) {
	batch := make([]protocol.Figures, 0, g.opts.Batch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case f := <-g.in:
			batch = append(batch, f)
		}
	more:
		for len(batch) < g.opts.Batch {
			select {
			case f := <-g.in:
				batch = append(batch, f)
			default:
				break more
			}
		}
		received := g.opts.Clock.Now()
		stored, err := g.opts.Store.Put(ctx, batch, received)
		if err != nil {
			g.failed.Add(int64(len(batch)))
			if ctx.Err() == nil {
				g.log.Error("figures not stored; their centres will send them again", "records", len(batch), "err", err)
			}
			continue
		}
		now := g.opts.Clock.Now()
		g.batches.Add(1)
		g.stored.Add(int64(stored))
		g.duplicates.Add(int64(len(batch) - stored))
		var newest time.Time
		for _, f := range batch {
			if f.To.After(newest) {
				newest = f.To
			}
		}
		g.lag.Store(int64(now.Sub(newest)))
		g.ack(client, batch)
		g.log.Debug("figures stored", "records", len(batch), "new", stored)
	}
}

// ack publishes one acknowledgement per centre of the batch, holding its
// seqs, at QoS 1 (MQTT) without waiting: an acknowledgement lost is
// answered again when the centre sends the record again.
func (g *Ingest) ack(client acker, batch []protocol.Figures) {
	seqs := map[string][]int64{}
	for _, f := range batch {
		seqs[f.Centre] = append(seqs[f.Centre], f.Seq)
	}
	for centre, s := range seqs {
		slices.Sort(s)
		s = slices.Compact(s)
		for len(s) > 0 {
			n := min(len(s), protocol.MaxAckSeqs)
			b, err := protocol.Encode(protocol.FiguresAck{Centre: centre, Seqs: s[:n]})
			s = s[n:]
			if err != nil {
				g.log.Error("encode acknowledgement", "centre", centre, "err", err)
				continue
			}
			if err := client.ack(centre, b); err != nil {
				g.log.Warn("acknowledgement not sent; the centre will send its records again", "centre", centre, "err", err)
				continue
			}
			g.acks.Add(1)
		}
	}
}
