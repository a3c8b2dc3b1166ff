package mqttwait_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/internal/mqttwait"
)

func TestSubscribed(t *testing.T) {
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
		Accounts: []broker.Account{{Username: "controller", Password: "controller-pw", Centre: "c1"}},
		Refuse:   func(_, topic string, _ bool) bool { return topic == "qs/v1/c1/dev/+/presence" }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + b.Addr()).SetClientID("controller").
		SetUsername("controller").SetPassword("controller-pw").SetProtocolVersion(4))
	if tok := cl.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer cl.Disconnect(0)
	ctx := context.Background()
	cases := []struct {
		name    string
		filters map[string]byte
		want    error
	}{
		{"granted", map[string]byte{"qs/v1/c1/dev/+/req": 1}, nil},
		{"refused", map[string]byte{"qs/v1/c1/dev/+/presence": 1}, mqttwait.ErrRefused},
		{"one of two refused", map[string]byte{"qs/v1/c1/dev/+/req": 1, "qs/v1/c1/dev/+/presence": 1}, mqttwait.ErrRefused},
		{"not the account's", map[string]byte{"qs/v1/c2/#": 1}, mqttwait.ErrRefused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := mqttwait.Subscribed(ctx, cl.SubscribeMultiple(tc.filters, nil), 5*time.Second)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Subscribed: %v, want %v", err, tc.want)
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	never := cl.Subscribe("qs/v1/c1/dev/+/req", 1, nil)
	if err := mqttwait.Subscribed(cancelled, never, time.Minute); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribed with a cancelled context: %v", err)
	}
}
