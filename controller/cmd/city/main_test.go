package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

// The command stores a centre's record, acknowledges it, and stops
// cleanly on its context.
func TestRun(t *testing.T) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	m := mosquittotest.Start(t, []broker.Account{
		{Username: "centre-ninh-kieu", Password: "uplink-secret", Centre: "ninh-kieu"},
		{Username: "city", Password: "city-secret", Centre: "ninh-kieu"},
	})
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte("city-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "city.yaml")
	if err := os.WriteFile(cfg, config.CityExample(), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := servertest.Addr(t) // the city view's; run listens on it
	f := flags{db: filepath.Join(dir, "db", "city.db"), broker: "tcp://" + m.Addr(), user: "city", passwordFile: pw,
		config: cfg, http: addr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, f) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	acked := make(chan protocol.FiguresAck, 10)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + m.Addr()).
		SetUsername("centre-ninh-kieu").SetPassword("uplink-secret"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(0)
	c.Subscribe(protocol.FiguresAckTopic("ninh-kieu"), 1, func(_ mqtt.Client, m mqtt.Message) {
		if a, err := protocol.Decode[protocol.FiguresAck](m.Payload()); err == nil {
			acked <- a
		}
	}).Wait()
	from := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	b, err := protocol.Encode(protocol.Figures{Centre: "ninh-kieu", Seq: 1, Kind: protocol.FiguresInterval,
		Day: "2026-11-23", From: from, To: from.Add(5 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	// The city subscribes once connected: send until it answers.
	deadline := time.After(10 * time.Second)
	for got := false; !got; {
		c.Publish(protocol.FiguresTopic("ninh-kieu"), 1, false, b).Wait()
		select {
		case a := <-acked:
			got = len(a.Seqs) == 1 && a.Seqs[0] == 1
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("no acknowledgement")
		}
	}
	// The city view answers, in Vietnamese, with the city's name.
	resp, err := http.Get("http://" + addr + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Thành phố Cần Thơ") {
		t.Errorf("city view: %d\n%s", resp.StatusCode, page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	done <- nil
	st, err := city.OpenStore(f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.Records(context.Background(), "ninh-kieu"); err != nil || n != 1 {
		t.Errorf("%d records stored, %v", n, err)
	}
}
