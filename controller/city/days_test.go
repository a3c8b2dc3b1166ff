package city

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// Hand-worked histograms and the quantiles read off them. Each row's
// waits spread as cdf says; the masses are thousandths of a wait, rounded
// cumulatively.
func TestDaysHistogram(t *testing.T) {
	for _, c := range []struct {
		name     string
		q        protocol.Quantiles
		hist     [buckets]int64
		p50, p90 time.Duration
	}{
		{name: "none"},
		// Everyone called at once: all in 0-5 minutes, read at 0.
		{name: "no wait", q: protocol.Quantiles{N: 3}, hist: [buckets]int64{3000}},
		// All within 0-5 minutes, which ends at the longest wait of
		// 200 s: p50 at 200 × 1/2, p90 at 200 × 9/10.
		{name: "under max", q: protocol.Quantiles{N: 4, P50: 60, P90: 120, P95: 150, Max: 200},
			hist: [buckets]int64{4000}, p50: 100 * time.Second, p90: 180 * time.Second},
		// F(300 s) = 0.95: 9.5 waits in 0-5 minutes, 0.5 in 5-10. p50
		// at 300 × 5/9.5 = 157.9 s, p90 at 300 × 9/9.5 = 284.2 s.
		{name: "short", q: protocol.Quantiles{N: 10, P50: 100, P90: 200, P95: 300, Max: 400},
			hist: [buckets]int64{9500, 500}, p50: 158 * time.Second, p90: 284 * time.Second},
		// p50 an hour, p90 two: F is 0.5 × x/3600 to an hour (0.0417,
		// 0.0833, 0.125, 0.1667, 0.25, 0.375, 0.5), 0.7 at 90 minutes,
		// 0.9 at 120, 0.95 at 180; p50 and p90 fall on bucket ends.
		{name: "long", q: protocol.Quantiles{N: 1, P50: 3600, P90: 7200, P95: 10800, Max: 14400},
			hist: [buckets]int64{42, 41, 42, 42, 83, 125, 125, 200, 200, 50, 50},
			p50:  3600 * time.Second, p90: 7200 * time.Second},
		// F is x/30000 to 180 minutes (0.36), the rest past it, read up
		// to the longest wait of 20000 s: p50 10800 + 9200 × 140/640 =
		// 12812.5 s, p90 10800 + 9200 × 540/640 = 18562.5 s.
		{name: "past 180 minutes", q: protocol.Quantiles{N: 1, P50: 15000, P90: 16000, P95: 17000, Max: 20000},
			hist: [buckets]int64{10, 10, 10, 10, 20, 30, 30, 60, 60, 120, 640},
			p50:  12813 * time.Second, p90: 18563 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := spread(c.q)
			if h != c.hist {
				t.Errorf("spread: %v, want %v", h, c.hist)
			}
			var d dayCounts
			d.add(protocol.ServiceFigures{Service: "A", Wait: c.q})
			w := d.waits()
			if w.N != c.q.N || w.P50 != c.p50 || w.P90 != c.p90 || w.Max != time.Duration(c.q.Max)*time.Second {
				t.Errorf("waits: %+v; want p50 %s, p90 %s", w, c.p50, c.p90)
			}
		})
	}
	// Two rows: 9.5 + 0.5 waits in 0-5 minutes, 0.5 + 0.5 in 5-10, 11
	// in all. p50 at 300 × 5.5/10 = 165 s, p90 at 300 × 9.9/10 = 297 s.
	// Only the first row has a target: 9 of its 10 waits within.
	var d dayCounts
	d.add(protocol.ServiceFigures{Service: "A", Wait: protocol.Quantiles{N: 10, P50: 100, P90: 200, P95: 300, Max: 400},
		TargetSeconds: 300, WithinTarget: 9})
	d.add(protocol.ServiceFigures{Service: "B", Wait: protocol.Quantiles{N: 1, P50: 300, P90: 540, P95: 570, Max: 600},
		WithinTarget: 1})
	want := Waits{N: 11, P50: 165 * time.Second, P90: 297 * time.Second, Max: 600 * time.Second,
		Targeted: 10, WithinTarget: 0.9}
	if w := d.waits(); w != want {
		t.Errorf("two rows: %+v, want %+v", w, want)
	}
}

// Writers storing overlapping batches at once, some records twice in a
// batch, day records among them: the aggregate equals the service rows
// stored, counted again.
func TestDaysConcurrent(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(filepath.Join(t.TempDir(), "city.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	var all []protocol.Figures
	for c := range 7 {
		centre := fmt.Sprintf("c%d", c)
		from := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC) // 06:30 local
		for seq := int64(1); seq <= 40; seq++ {
			f := protocol.Figures{Centre: centre, Seq: seq, Kind: protocol.FiguresInterval,
				From: from, To: from.Add(5 * time.Minute)}
			if seq%13 == 0 {
				f.Kind, f.To = protocol.FiguresDay, from.Add(time.Hour)
			}
			f.Day = from.Add(7 * time.Hour).Format(time.DateOnly)
			from = from.Add(5 * time.Hour / 10)
			for k := range rng.IntN(4) {
				n := rng.IntN(5)
				q := protocol.Quantiles{}
				if n > 0 {
					p50 := rng.IntN(3000)
					q = protocol.Quantiles{N: n, P50: p50, P90: p50 + rng.IntN(3000), Max: p50 + 6000 + rng.IntN(9000)}
					q.P95 = q.P90 + rng.IntN(q.Max-q.P90+1)
				}
				f.Services = append(f.Services, protocol.ServiceFigures{Service: fmt.Sprintf("S%d", k),
					Issued: rng.IntN(9), Served: rng.IntN(9), NoShows: rng.IntN(3), Transferred: rng.IntN(2),
					Wait: q, WithinTarget: rng.IntN(n + 1), Waiting: rng.IntN(5) - 1, TargetSeconds: 900 * rng.IntN(3),
					Ratings: [4]int{rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)}})
			}
			all = append(all, f)
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for range 12 {
				b := make([]protocol.Figures, 60)
				for i := range b {
					b[i] = all[r.IntN(len(all))]
				}
				if _, err := s.Put(ctx, b, time.Now()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if _, err := s.Put(ctx, all, time.Now()); err != nil { // whatever no writer drew
		t.Fatal(err)
	}

	got := map[dayKey]dayCounts{}
	rows, err := s.db.QueryContext(ctx, `SELECT d.centre, d.day, `+daySelect+` FROM days d`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k dayKey
		var d dayCounts
		if err := rows.Scan(append([]any{&k.centre, &k.day}, d.dest()...)...); err != nil {
			t.Fatal(err)
		}
		got[k] = d
	}
	rows.Close()

	want := map[dayKey]dayCounts{}
	rows, err = s.db.QueryContext(ctx, `SELECT centre, day, seq FROM records WHERE kind = 'interval'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k dayKey
		var seq int64
		if err := rows.Scan(&k.centre, &k.day, &seq); err != nil {
			t.Fatal(err)
		}
		d := want[k]
		d.records++
		d.lastSeq = max(d.lastSeq, seq)
		want[k] = d
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT r.centre, r.day, s.issued, s.served, s.no_shows, s.transferred,
		s.wait_n, s.wait_p50, s.wait_p90, s.wait_p95, s.wait_max, s.within_target, s.target_s,
		s.very_satisfied, s.satisfied, s.neutral, s.dissatisfied
		FROM records r JOIN service_figures s ON s.centre = r.centre AND s.seq = r.seq WHERE r.kind = 'interval'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k dayKey
		var v protocol.ServiceFigures
		q, r := &v.Wait, &v.Ratings
		if err := rows.Scan(&k.centre, &k.day, &v.Issued, &v.Served, &v.NoShows, &v.Transferred, &q.N, &q.P50, &q.P90,
			&q.P95, &q.Max, &v.WithinTarget, &v.TargetSeconds, &r[0], &r[1], &r[2], &r[3]); err != nil {
			t.Fatal(err)
		}
		d := want[k]
		d.add(v)
		want[k] = d
	}
	rows.Close()
	if n, err := s.Records(ctx, ""); err != nil || n != len(all) {
		t.Fatalf("Records: %d, %v; want %d", n, err, len(all))
	}
	if len(want) < 14 || !reflect.DeepEqual(got, want) {
		t.Errorf("days:\n got %+v\nwant %+v", got, want)
	}
}
