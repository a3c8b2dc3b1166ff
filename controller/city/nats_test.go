package city

import (
	"context"
	"testing"

	"github.com/sothutu/sothutu/protocol"
)

// The subjects NATS's MQTT listener gives the upstream topics.
func TestNATSSubject(t *testing.T) {
	for _, c := range []struct{ topic, subject string }{
		{protocol.AllFigures, "qs.v1.*.up.figures"},
		{protocol.FiguresTopic("ninh-kieu"), "qs.v1.ninh-kieu.up.figures"},
		{protocol.FiguresAckTopic("cai_rang-2"), "qs.v1.cai_rang-2.up.ack"},
		{"qs/#", "qs.>"},
	} {
		if got := natsSubject(c.topic); got != c.subject {
			t.Errorf("natsSubject(%q) = %q, want %q", c.topic, got, c.subject)
		}
		if c.topic[len(c.topic)-1] != '#' && c.topic != protocol.AllFigures {
			if got := mqttTopic(c.subject); got != c.topic {
				t.Errorf("mqttTopic(%q) = %q, want %q", c.subject, got, c.topic)
			}
		}
	}
}

// Run wants one transport, Broker or NATS.
func TestIngestTransport(t *testing.T) {
	for _, o := range []IngestOptions{
		{Store: &Store{}},
		{Store: &Store{}, Broker: "tcp://127.0.0.1:1", NATS: "nats://127.0.0.1:1"},
		{NATS: "nats://127.0.0.1:1"},
	} {
		if err := NewIngest(o).Run(context.Background()); err == nil {
			t.Errorf("Run with %+v: no error", o)
		}
	}
}
