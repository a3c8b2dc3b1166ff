// Package city holds the city's side of the figures uplink: the Store of
// the figures records every centre sends (protocol.Figures) and the
// Ingest that takes them off the city's MQTT broker, stores them and
// acknowledges them. The city's pages that read the Store are in
// controller/city/view; controller/cmd/city runs both.
//
// # Store
//
// OpenStore opens SQLite (a file path, the default) or PostgreSQL (a DSN
// starting with postgres:// or postgresql://). Both hold the same four
// tables: records, one row per (centre, seq) with the canonical JSON of
// the record; service_figures, one row per service of a record; centres,
// one row per centre with its latest interval record; and days, one row
// per centre and local day adding up its interval records. Put stores a
// batch in one transaction and leaves a record it already holds as it
// is, so a record sent twice is stored once and counted once.
//
// # Figures of a day
//
// Centres send per service and interval the exact counts (issued, served,
// waits, waits within target, ratings) and their waits' quantiles (p50,
// p90, p95, max), not the waits themselves. Put keeps the day's aggregate
// of the new interval records in the same transaction: its counts, its
// longest wait and its share of waits within target are exact. The day's
// median and 90th percentile wait are estimated from a histogram of fixed
// buckets (5 to 180 minutes and over) into which each row's waits are
// spread linearly between 0, its p50, p90, p95 and max (see Waits and
// days.go).
//
// "Today" is the local day (Asia/Ho_Chi_Minh for every centre) of a
// centre's latest interval record, as the centre dated it.
//
// # Ingest
//
// Ingest subscribes at QoS 1 to every centre's figures topic, or to a
// shared subscription ("$share/<group>/...") so that several city
// instances on one broker share the load, renewing it on every connect.
// Each message is decoded strictly and its centre checked against its
// topic; a bad one is logged and counted, never acknowledged. Good
// records go to one writer goroutine that commits up to Batch of them per
// transaction and only then answers each centre with one FiguresAck
// holding the seqs of the batch, those it already had included.
//
// # Wiring
//
//	st, err := city.OpenStore("/var/lib/sothutu/city.db")
//	in := city.NewIngest(city.IngestOptions{Store: st, Broker: "ssl://city:8883",
//		Username: "city", Password: pw, Share: "city"})
//	err = in.Run(ctx)
package city
