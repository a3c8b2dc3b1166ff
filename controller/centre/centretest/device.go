package centretest

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/firmware/link"
)

// Device runs the link of cfg's device id to the broker at url until the
// end of the test, its state under dir/id.
func Device(t testing.TB, cfg *config.Centre, url, dir, id string, log *slog.Logger) *link.Link {
	t.Helper()
	d, ok := cfg.Device(id)
	if !ok {
		t.Fatalf("no device %s", id)
	}
	l, err := link.New(link.Options{Broker: url, Centre: cfg.ID, Device: id, Kind: d.Kind,
		Password: d.Password, StateDir: filepath.Join(dir, id), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

// Latencies collects a benchmark's durations per operation.
type Latencies []time.Duration

// Report reports the median and the 99th percentile, in microseconds.
func (l Latencies) Report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(l[len(l)*99/100].Microseconds()), "p99-µs")
}
