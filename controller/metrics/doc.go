// Package metrics exports a running centre's state as Prometheus metrics,
// so that the centre's own monitoring or the city's can scrape the
// controller's web port and chart and alert on queues, counters and devices.
//
// The Collector reads the controller's live view (centre.Controller.Overview)
// and its status on every scrape and turns them into const metrics: nothing
// is counted twice and nothing drifts from what the manager's page shows. A
// scrape that cannot read the controller (stopped, or busy beyond the
// timeout) reports sothutu_up 0 and nothing else.
//
// # Day counts
//
// sothutu_tickets_issued_total and sothutu_tickets_served_total are the
// day's counts of the queue engine: they go back to zero at local midnight
// (and may also move when the engine is rebuilt from the store). Prometheus
// treats the fall as a counter reset, so rate() and increase() stay right
// across midnight; a raw value is "so far today". Served per counter is a
// gauge, sothutu_counter_served_today, because Prometheus's naming rules
// forbid a counter whose name holds the word counter.
//
// # Cardinality
//
// Label values are ids of the centre's configuration (services, counters,
// devices) or fixed enumerations of the protocol (counter statuses, device
// kinds, health and printer states, alert kinds); nothing a device or a
// citizen sends can add a series.
//
// # Wiring
//
//	col := metrics.New(ctl, cfg)
//	mux.Handle("GET /metrics", metrics.Handler(col))
//
// Handler serves the collector together with the Go runtime and process
// collectors on a registry of its own. deploy/grafana holds an example
// dashboard over these metrics and a scrape configuration.
package metrics
