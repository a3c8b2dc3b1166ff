package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/metrics"
	"github.com/sothutu/sothutu/protocol"
)

var (
	kiosk    = engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	counter1 = engine.Actor{Device: "counter-1", Kind: protocol.DeviceCounter, Counter: "1"}
)

// sample is one expected value of the exposition.
// request is a request a test makes as actor.
type request struct {
	actor engine.Actor
	req   protocol.Request
}

type sample struct {
	name   string
	labels map[string]string
	want   float64
}

// l makes a label set from name, value pairs.
func l(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// A day at counter 1, step by step, as the scraper sees it through Handler.
func TestScrape(t *testing.T) {
	c := centretest.Start(t, centretest.Options{})
	col := metrics.New(c.Controller(), c.Config)
	srv := httptest.NewServer(metrics.Handler(col))
	defer srv.Close()
	ctx := context.Background()

	steps := []struct {
		name string
		do   []request
		want []sample
	}{
		{
			name: "nothing yet",
			want: []sample{
				{"sothutu_up", nil, 1},
				{"sothutu_broker_connected", nil, 1},
				{"sothutu_requests_rejected_total", nil, 0},
				{"sothutu_tickets_issued_total", l("service", "A"), 0},
				{"sothutu_queue_waiting", l("service", "A"), 0},
				{"sothutu_service_target_wait_seconds", l("service", "A"), 30 * 60},
				{"sothutu_counter_status", l("counter", "1", "status", "closed"), 1},
				{"sothutu_counter_status", l("counter", "1", "status", "idle"), 0},
				{"sothutu_device_online", l("device", "kiosk-2", "kind", "kiosk"), 0},
				{"sothutu_device_online", l("device", "board-1", "kind", "board"), 0},
				{"sothutu_alerts_open", l("kind", "wait_over_target"), 0},
				{"sothutu_alerts_open", l("kind", "paper_out"), 0},
				{"sothutu_advice_moves", nil, 0},
			},
		},
		{
			name: "tickets issued",
			do: []request{
				{kiosk, protocol.Request{Key: "k1", Op: protocol.OpTicket, Service: "A"}},
				{kiosk, protocol.Request{Key: "k2", Op: protocol.OpTicket, Service: "A"}},
				{kiosk, protocol.Request{Key: "k3", Op: protocol.OpTicket, Service: "C"}}, // not served at counter 1
			},
			want: []sample{
				{"sothutu_tickets_issued_total", l("service", "A"), 2},
				{"sothutu_tickets_issued_total", l("service", "B"), 0},
				{"sothutu_tickets_issued_total", l("service", "C"), 1},
				{"sothutu_tickets_served_total", l("service", "A"), 0},
				{"sothutu_queue_waiting", l("service", "A"), 2},
				{"sothutu_queue_waiting", l("service", "C"), 1},
				{"sothutu_counter_idle_while_waiting", l("counter", "1"), 0},
			},
		},
		{
			name: "counter 1 opens",
			do: []request{
				{counter1, protocol.Request{Key: "c1", Op: protocol.OpResume}},
			},
			want: []sample{
				{"sothutu_counter_status", l("counter", "1", "status", "idle"), 1},
				{"sothutu_counter_status", l("counter", "1", "status", "closed"), 0},
				{"sothutu_counter_idle_while_waiting", l("counter", "1"), 1},
				{"sothutu_counter_waiting", l("counter", "1"), 2},
			},
		},
		{
			name: "counter 1 serves one and calls the next",
			do: []request{
				{counter1, protocol.Request{Key: "c2", Op: protocol.OpCallNext}},
				{counter1, protocol.Request{Key: "c3", Op: protocol.OpCallNext}},
			},
			want: []sample{
				{"sothutu_tickets_issued_total", l("service", "A"), 2},
				{"sothutu_tickets_served_total", l("service", "A"), 1},
				{"sothutu_queue_waiting", l("service", "A"), 0},
				{"sothutu_queue_waiting", l("service", "C"), 1},
				{"sothutu_counter_status", l("counter", "1", "status", "serving"), 1},
				{"sothutu_counter_status", l("counter", "1", "status", "idle"), 0},
				{"sothutu_counter_idle_while_waiting", l("counter", "1"), 0},
				{"sothutu_counter_served_today", l("counter", "1"), 1},
				{"sothutu_counter_served_today", l("counter", "2"), 0},
			},
		},
	}
	// The controller connects to its broker on its own time after start.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c.Controller().Connected() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the controller did not connect to its broker")
		}
	}
	for _, st := range steps {
		for _, d := range st.do {
			r, err := c.Controller().Do(ctx, d.actor, d.req)
			if err != nil || !r.OK {
				t.Fatalf("%s: %s %s: %+v %v", st.name, d.actor.Device, d.req.Op, r, err)
			}
		}
		fams := scrape(t, srv.URL)
		for _, s := range st.want {
			check(t, st.name, fams, s)
		}
		lint(t, st.name, col)
	}

	// The runtime's and the process's metrics come along; every family of
	// ids has one series per id of the configuration, or per value of the
	// protocol, and no more.
	fams := scrape(t, srv.URL)
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("%s missing from the scrape", name)
		}
	}
	for _, tc := range []struct {
		name string
		want int
	}{
		{"sothutu_queue_waiting", len(c.Config.Services)},
		{"sothutu_tickets_issued_total", len(c.Config.Services)},
		{"sothutu_counter_status", 4 * len(c.Config.Counters)},
		{"sothutu_counter_served_today", len(c.Config.Counters)},
		{"sothutu_device_online", len(c.Config.Devices)},
		{"sothutu_alerts_open", len(protocol.AlertKinds)},
		{"sothutu_device_health", 0}, // no device reported health
		{"sothutu_printer_status", 0},
	} {
		if got := len(fams[tc.name].GetMetric()); got != tc.want {
			t.Errorf("%s: %d series, want %d", tc.name, got, tc.want)
		}
	}
}

// A kiosk's report of its printer shows as its health and printer state;
// the other kiosks, which reported nothing, have neither.
func TestDeviceHealth(t *testing.T) {
	c := centretest.Start(t, centretest.Options{})
	col := metrics.New(c.Controller(), c.Config)
	srv := httptest.NewServer(metrics.Handler(col))
	defer srv.Close()

	changes, stop := c.Controller().Watch()
	defer stop()
	d, _ := c.Config.Device("kiosk-2")
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(c.URL).SetClientID(d.ID).
		SetUsername(d.ID).SetPassword(d.Password))
	if tok := cl.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect kiosk-2: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	birth, err := protocol.Encode(protocol.Presence{Device: d.ID, Kind: protocol.DeviceKiosk, Online: true, Seq: 1,
		Health: &protocol.Health{Status: protocol.HealthFault, Printer: protocol.PrinterPaperOut}})
	if err != nil {
		t.Fatal(err)
	}
	if tok := cl.Publish(protocol.PresenceTopic(c.Config.ID, d.ID), 1, true, birth); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish presence: %v", tok.Error())
	}
	timeout := time.After(10 * time.Second)
	for c.Controller().Devices()[d.ID].Health == nil {
		select {
		case <-changes:
		case <-timeout:
			t.Fatal("the controller never heard kiosk-2's presence")
		}
	}

	fams := scrape(t, srv.URL)
	for _, s := range []sample{
		{"sothutu_device_online", l("device", "kiosk-2", "kind", "kiosk"), 1},
		{"sothutu_device_online", l("device", "kiosk-1", "kind", "kiosk"), 0},
		{"sothutu_device_health", l("device", "kiosk-2", "kind", "kiosk", "status", "fault"), 1},
		{"sothutu_device_health", l("device", "kiosk-2", "kind", "kiosk", "status", "ok"), 0},
		{"sothutu_device_health", l("device", "kiosk-2", "kind", "kiosk", "status", "degraded"), 0},
		{"sothutu_printer_status", l("device", "kiosk-2", "status", "paper_out"), 1},
		{"sothutu_printer_status", l("device", "kiosk-2", "status", "paper_low"), 0},
		{"sothutu_printer_status", l("device", "kiosk-2", "status", "ok"), 0},
	} {
		check(t, "paper out", fams, s)
	}
	if got, want := len(fams["sothutu_device_health"].GetMetric()), 3; got != want {
		t.Errorf("sothutu_device_health: %d series, want %d (kiosk-2 only)", got, want)
	}
	lint(t, "paper out", col)
}

// A stopped controller is reported as down, with nothing else of it.
func TestStopped(t *testing.T) {
	c := centretest.Start(t, centretest.Options{})
	col := metrics.New(c.Controller(), c.Config)
	srv := httptest.NewServer(metrics.Handler(col))
	defer srv.Close()
	c.Stop()

	fams := scrape(t, srv.URL)
	check(t, "stopped", fams, sample{"sothutu_up", nil, 0})
	for name := range fams {
		if strings.HasPrefix(name, "sothutu_") && name != "sothutu_up" {
			t.Errorf("%s reported by a stopped controller", name)
		}
	}
	if fams["go_goroutines"] == nil {
		t.Error("go_goroutines missing: the runtime's metrics must stay when the controller is down")
	}
	lint(t, "stopped", col)
}

// lint gathers col on a pedantic registry, which checks each metric
// against its description, and reports what promlint finds: what
// testutil.CollectAndLint does, without the module testutil's diff output
// needs.
func lint(t *testing.T, step string, col prometheus.Collector) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(col); err != nil {
		t.Fatalf("%s: register: %v", step, err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Errorf("%s: gather: %v", step, err)
		return
	}
	problems, err := promlint.NewWithMetricFamilies(fams).Lint()
	if err != nil {
		t.Errorf("%s: lint: %v", step, err)
	}
	for _, p := range problems {
		t.Errorf("%s: lint: %s: %s", step, p.Metric, p.Text)
	}
}

// scrape gets and parses the text exposition at url.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse the exposition: %v", err)
	}
	return fams
}

// check reports an error unless the series of s has s's value.
func check(t *testing.T, step string, fams map[string]*dto.MetricFamily, s sample) {
	t.Helper()
	for _, m := range fams[s.name].GetMetric() {
		if !sameLabels(m.GetLabel(), s.labels) {
			continue
		}
		var got float64
		switch {
		case m.Gauge != nil:
			got = m.GetGauge().GetValue()
		case m.Counter != nil:
			got = m.GetCounter().GetValue()
		default:
			got = m.GetUntyped().GetValue()
		}
		if got != s.want {
			t.Errorf("%s: %s %v = %v, want %v", step, s.name, s.labels, got, s.want)
		}
		return
	}
	t.Errorf("%s: %s %v missing", step, s.name, s.labels)
}

func sameLabels(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, p := range got {
		if v, ok := want[p.GetName()]; !ok || v != p.GetValue() {
			return false
		}
	}
	return true
}
