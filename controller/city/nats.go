package city

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sothutu/sothutu/protocol"
)

// natsSubject is the NATS subject of an MQTT topic or filter, as NATS's
// MQTT listener maps them: levels become tokens, '+' '*' and '#' '>'.
// Centre ids hold no '.', ' ' or wildcard, so the mapping is exact.
func natsSubject(topic string) string {
	return strings.NewReplacer("/", ".", "+", "*", "#", ">").Replace(topic)
}

// mqttTopic is the MQTT topic of a NATS subject.
func mqttTopic(subject string) string { return strings.ReplaceAll(subject, ".", "/") }

type natsAcks struct{ nc *nats.Conn }

func (a natsAcks) ack(centre string, payload []byte) error {
	// A core publish reaches the centre's MQTT subscription of its ack
	// topic, at QoS 1 from the centre's node on.
	if err := a.nc.Publish(natsSubject(protocol.FiguresAckTopic(centre)), payload); err != nil {
		return fmt.Errorf("nats.Conn.Publish: %w", err)
	}
	return nil
}

// runNATS is Run on a NATS cluster: a queue subscription instead of a
// shared one, core publishes for the acknowledgements. A message is
// delivered to one member of the group at most once; one lost with an
// instance is sent again by its centre, as a lost acknowledgement is.
func (g *Ingest) runNATS(ctx context.Context) error {
	group := g.opts.Share
	if group == "" {
		group = "city"
	}
	opts := []nats.Option{nats.Name(g.opts.ClientID),
		nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				g.log.Warn("city NATS connection lost", "err", err)
			}
		}),
		// nats.go subscribes again before it calls this.
		nats.ReconnectHandler(func(nc *nats.Conn) {
			g.subscribed.Add(1)
			g.log.Info("receiving figures again", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			// A slow consumer drops messages: their centres send them again.
			g.log.Warn("city NATS error", "err", err)
		}),
	}
	if g.opts.Password != "" {
		opts = append(opts, nats.UserInfo(g.opts.Username, g.opts.Password))
	}
	if g.opts.TLS != nil {
		opts = append(opts, nats.Secure(g.opts.TLS))
	}
	nc, err := nats.Connect(g.opts.NATS, opts...)
	if err != nil {
		return fmt.Errorf("city.Ingest.Run: nats.Connect %s: %w", g.opts.NATS, err)
	}
	defer nc.Close()
	subject := natsSubject(g.opts.Filter)
	sub, err := nc.QueueSubscribe(subject, group, func(m *nats.Msg) { g.take(ctx, mqttTopic(m.Subject), m.Data) })
	if err != nil {
		return fmt.Errorf("city.Ingest.Run: nats.Conn.QueueSubscribe %s: %w", subject, err)
	}
	// Up to 64 MB waiting, then the server's messages are dropped (and
	// sent again by their centres) rather than the city's memory taken.
	if err := sub.SetPendingLimits(-1, 64<<20); err != nil {
		return fmt.Errorf("city.Ingest.Run: nats.Subscription.SetPendingLimits: %w", err)
	}

	var wg sync.WaitGroup
	wg.Go(func() { g.write(ctx, natsAcks{nc}) })
	wg.Go(func() { g.confirm(ctx, nc, subject, group) })
	<-ctx.Done()
	wg.Wait()
	return nil
}

// confirm counts the first subscription once the server has it: after the
// first round trip, which may wait for a server.
func (g *Ingest) confirm(ctx context.Context, nc *nats.Conn, subject, group string) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for nc.FlushTimeout(time.Second) != nil {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	g.subscribed.Add(1)
	g.log.Info("receiving figures", "nats", nc.ConnectedUrlRedacted(), "subject", subject, "group", group)
}
