// Package uplink sends a centre's figures to the city: per service and
// interval (5 minutes by default) and per local day, tickets issued,
// served, no-shows and transfers, wait and service time quantiles, people
// waiting, satisfaction, counters open and device health
// (protocol.Figures).
//
// Store and forward: each record is numbered and committed to the
// centre's store before it is sent, through the uplink's own MQTT
// connection to the city's broker (its own credentials, TLS when the URL
// says ssl:// or tls://), and sent again until the city acknowledges it on
// the centre's ack topic. Records are sent in their order, a few at a time
// (Window), at most Rate a second, so that the backlog of an outage of
// hours drains without flooding a commune's link. The city stores one copy
// per (centre, record number), so a record sent twice is stored once.
//
// Records are made from the store's events (controller/report.Span), so an
// interval the controller was down for is made up when it comes back,
// with the people waiting unknown (-1); the latest interval takes the
// people waiting, the counters open and the device health from the live
// controller.
package uplink
