package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/protocol"
)

var _ prometheus.Collector = &Collector{}

// Timeout bounds a scrape's wait for the controller's writer: a scrape
// that cannot get an answer in time reports sothutu_up 0 rather than hang
// the scraper.
const Timeout = 5 * time.Second

const dayReset = " The day's count: it goes back to zero at local midnight, which rate() and increase() treat as a counter reset."

var (
	descUp = prometheus.NewDesc("sothutu_up",
		"1 if the scrape could read the centre's controller, 0 if it is stopped or busy; with 0 no other sothutu metric is reported.", nil, nil)
	descConnected = prometheus.NewDesc("sothutu_broker_connected",
		"1 if the controller is connected to the MQTT broker, else 0.", nil, nil)
	descRejected = prometheus.NewDesc("sothutu_requests_rejected_total",
		"Messages the controller rejected (malformed, from unknown devices) since it started.", nil, nil)
	descIssued = prometheus.NewDesc("sothutu_tickets_issued_total",
		"Tickets issued today for the service."+dayReset, []string{"service"}, nil)
	descServed = prometheus.NewDesc("sothutu_tickets_served_total",
		"Tickets of the service served today."+dayReset, []string{"service"}, nil)
	descWaiting = prometheus.NewDesc("sothutu_queue_waiting",
		"People waiting for the service now.", []string{"service"}, nil)
	descLongest = prometheus.NewDesc("sothutu_queue_longest_wait_seconds",
		"How long the first person in the service's line has waited; 0 when nobody waits.", []string{"service"}, nil)
	descEstimated = prometheus.NewDesc("sothutu_queue_estimated_wait_seconds",
		"The wait a ticket of the service issued now is told.", []string{"service"}, nil)
	descTarget = prometheus.NewDesc("sothutu_service_target_wait_seconds",
		"The wait the centre aims for in the service, from the configuration.", []string{"service"}, nil)
	descCounterStatus = prometheus.NewDesc("sothutu_counter_status",
		"1 for the counter's current status (serving, idle, paused, closed), 0 for the others.", []string{"counter", "status"}, nil)
	descIdleWaiting = prometheus.NewDesc("sothutu_counter_idle_while_waiting",
		"1 if the counter is idle while people wait for services it serves, else 0.", []string{"counter"}, nil)
	descCounterWaiting = prometheus.NewDesc("sothutu_counter_waiting",
		"Tickets the counter could call now.", []string{"counter"}, nil)
	descCounterServed = prometheus.NewDesc("sothutu_counter_served_today",
		"Tickets the counter served today; back to zero at local midnight.", []string{"counter"}, nil)
	descMeanService = prometheus.NewDesc("sothutu_counter_mean_service_seconds",
		"The counter's mean service time today; 0 before its first ticket served.", []string{"counter"}, nil)
	descOnline = prometheus.NewDesc("sothutu_device_online",
		"1 if the device of the configuration is connected, else 0 (also for a device never heard of).", []string{"device", "kind"}, nil)
	descHealth = prometheus.NewDesc("sothutu_device_health",
		"1 for the health status (ok, degraded, fault) the device last reported, 0 for the others; only devices that reported health.",
		[]string{"device", "kind", "status"}, nil)
	descPrinter = prometheus.NewDesc("sothutu_printer_status",
		"1 for the printer state (ok, paper_low, paper_out, cover_open, offline, error) a kiosk last reported, 0 for the others; only kiosks that reported one.",
		[]string{"device", "status"}, nil)
	descAlerts = prometheus.NewDesc("sothutu_alerts_open",
		"Open alerts of the kind; every kind is reported, 0 when none is open.", []string{"kind"}, nil)
	descAdvice = prometheus.NewDesc("sothutu_advice_moves",
		"Counter moves the controller advises the manager to make now.", nil, nil)
)

// descs are every metric the Collector reports, but those of Handler's Go
// and process collectors.
var descs = []*prometheus.Desc{descUp, descConnected, descRejected, descIssued, descServed,
	descWaiting, descLongest, descEstimated, descTarget, descCounterStatus, descIdleWaiting,
	descCounterWaiting, descCounterServed, descMeanService, descOnline, descHealth, descPrinter,
	descAlerts, descAdvice}

// Collector reports a centre's state on each scrape.
type Collector struct {
	ctl *centre.Controller
	cfg *config.Centre
}

// New returns a collector of the controller of the centre cfg configures.
// Only the services, counters and devices of cfg become label values.
func New(c *centre.Controller, cfg *config.Centre) *Collector {
	return &Collector{ctl: c, cfg: cfg}
}

// Handler serves the exposition of col, the Go runtime and the process on
// a registry of its own, for the controller's GET /metrics.
func Handler(col *Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(col, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// Describe sends every metric the collector may report.
func (col *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}

// Collect reads the controller and sends its state.
func (col *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	o, err := col.ctl.Overview(ctx)
	if err != nil {
		ch <- gauge(descUp, 0)
		return
	}
	st, err := col.ctl.Status(ctx)
	if err != nil {
		ch <- gauge(descUp, 0)
		return
	}
	ch <- gauge(descUp, 1)
	ch <- gauge(descConnected, bit(st.Connected))
	ch <- prometheus.MustNewConstMetric(descRejected, prometheus.CounterValue, float64(st.Rejected))
	ch <- gauge(descAdvice, float64(len(o.Advice)))

	// Queues, devices and the connection come from the status, built now:
	// the live view is rebuilt only when something changes or on the
	// controller's tick, and a longest wait must not lag behind.
	for _, s := range st.Services {
		sc, ok := col.cfg.Service(s.Service)
		if !ok {
			continue
		}
		id := s.Service
		ch <- prometheus.MustNewConstMetric(descIssued, prometheus.CounterValue, float64(s.Issued), id)
		ch <- prometheus.MustNewConstMetric(descServed, prometheus.CounterValue, float64(s.Served), id)
		ch <- gauge(descWaiting, float64(s.Waiting), id)
		ch <- gauge(descLongest, float64(s.LongestWaitSeconds), id)
		ch <- gauge(descEstimated, float64(s.WaitSeconds), id)
		ch <- gauge(descTarget, sc.TargetWait.Seconds(), id)
	}

	for _, c := range o.Counters {
		if _, ok := col.cfg.Counter(c.Counter); !ok {
			continue
		}
		id := c.Counter
		for _, s := range protocol.CounterStatuses {
			ch <- gauge(descCounterStatus, bit(c.Status == s), id, string(s))
		}
		ch <- gauge(descIdleWaiting, bit(c.IdleWhileWaiting), id)
		ch <- gauge(descCounterWaiting, float64(c.Waiting), id)
		ch <- gauge(descCounterServed, float64(c.Served), id)
		ch <- gauge(descMeanService, float64(c.MeanServiceSeconds), id)
	}

	for _, d := range st.Devices {
		dc, ok := col.cfg.Device(d.Device)
		if !ok {
			continue
		}
		// The kind of the configuration, not the one the device claims.
		kind := string(dc.Kind)
		ch <- gauge(descOnline, bit(d.Online), d.Device, kind)
		if d.Health == nil {
			continue
		}
		for _, s := range protocol.HealthStatuses {
			ch <- gauge(descHealth, bit(d.Health.Status == s), d.Device, kind, string(s))
		}
		if dc.Kind == protocol.DeviceKiosk && d.Health.Printer != "" {
			for _, s := range protocol.PrinterStates {
				ch <- gauge(descPrinter, bit(d.Health.Printer == s), d.Device, s)
			}
		}
	}

	open := make(map[protocol.AlertKind]int, len(protocol.AlertKinds))
	for _, a := range o.Alerts {
		open[a.Kind]++
	}
	for _, k := range protocol.AlertKinds {
		ch <- gauge(descAlerts, float64(open[k]), string(k))
	}
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
