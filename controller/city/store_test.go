package city_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/protocol"
)

var zone = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(day, hm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, zone)
	if err != nil {
		panic(err)
	}
	return t
}

// Wait quantiles used by the records below: the same in every row of a
// day, so that the pooled estimate is exact.
var (
	todayWait = protocol.Quantiles{N: 2, P50: 600, P90: 1200, P95: 1500, Max: 2000}
	dayWait   = protocol.Quantiles{N: 110, P50: 300, P90: 900, P95: 1200, Max: 2400}
	svcTime   = protocol.Quantiles{N: 1, P50: 300, P90: 300, P95: 300, Max: 300}
)

// records of two centres with known answers: ninh-kieu sent an interval
// and the day of the 22nd, two intervals of the 23rd and the day of the
// 21st late; cai-rang only a day.
var (
	nkLastOf22 = protocol.Figures{Centre: "ninh-kieu", Seq: 1, Kind: protocol.FiguresInterval, Day: "2026-11-22",
		From: at("2026-11-22", "23:55"), To: at("2026-11-23", "00:00"),
		Services: []protocol.ServiceFigures{{Service: "A", Issued: 100, Served: 100,
			Wait:         protocol.Quantiles{N: 100, P50: 5000, P90: 6000, P95: 7000, Max: 8000},
			WithinTarget: 3, Waiting: 0, TargetSeconds: 1800, Ratings: [4]int{0, 0, 0, 50}}},
		CountersOpen: 1, Devices: protocol.DeviceFigures{Total: 11}}
	nkDay22 = protocol.Figures{Centre: "ninh-kieu", Seq: 2, Kind: protocol.FiguresDay, Day: "2026-11-22",
		From: at("2026-11-22", "00:00"), To: at("2026-11-23", "00:00"),
		Services: []protocol.ServiceFigures{
			{Service: "A", Issued: 120, Served: 110, NoShows: 4, Transferred: 2, Wait: dayWait, ServiceTime: svcTime,
				Waiting: -1, TargetSeconds: 1800, Ratings: [4]int{10, 5, 3, 2}}},
		Devices: protocol.DeviceFigures{Total: 11}}
	nk0900 = protocol.Figures{Centre: "ninh-kieu", Seq: 3, Kind: protocol.FiguresInterval, Day: "2026-11-23",
		From: at("2026-11-23", "09:00"), To: at("2026-11-23", "09:05"),
		Services: []protocol.ServiceFigures{
			{Service: "A", Issued: 4, Served: 3, Transferred: 1, Wait: todayWait, WithinTarget: 1, ServiceTime: svcTime,
				Waiting: 6, TargetSeconds: 1800, Ratings: [4]int{1, 1, 0, 0}},
			{Service: "B", Issued: 2, Served: 1, NoShows: 1, Wait: protocol.Quantiles{N: 1, P50: 600, P90: 1200, P95: 1500, Max: 2000},
				WithinTarget: 1, Waiting: -1, TargetSeconds: 900, Ratings: [4]int{0, 0, 1, 0}}},
		CountersOpen: 7, Devices: protocol.DeviceFigures{Total: 11}}
	nk0905 = protocol.Figures{Centre: "ninh-kieu", Seq: 4, Kind: protocol.FiguresInterval, Day: "2026-11-23",
		From: at("2026-11-23", "09:05"), To: at("2026-11-23", "09:10"),
		Services: []protocol.ServiceFigures{
			{Service: "A", Issued: 1, Served: 2, Wait: todayWait, WithinTarget: 1, ServiceTime: svcTime,
				Waiting: 3, TargetSeconds: 1800, Ratings: [4]int{2, 0, 0, 1}},
			{Service: "B", Issued: 1, Waiting: 2, TargetSeconds: 900}},
		CountersOpen: 8, Devices: protocol.DeviceFigures{Total: 11, Offline: 1, Faults: 2}}
	nkDay21 = protocol.Figures{Centre: "ninh-kieu", Seq: 5, Kind: protocol.FiguresDay, Day: "2026-11-21",
		From: at("2026-11-21", "00:00"), To: at("2026-11-22", "00:00"),
		Services: []protocol.ServiceFigures{
			{Service: "A", Issued: 50, Served: 50, Wait: protocol.Quantiles{N: 50, P50: 100, P90: 200, P95: 300, Max: 400},
				WithinTarget: 50, Waiting: -1, TargetSeconds: 1800}},
		Devices: protocol.DeviceFigures{Total: 11}}
	crDay22 = protocol.Figures{Centre: "cai-rang", Seq: 1, Kind: protocol.FiguresDay, Day: "2026-11-22",
		From: at("2026-11-22", "00:00"), To: at("2026-11-23", "00:00"), Devices: protocol.DeviceFigures{Total: 3}}
)

// dialect is a kind of store: setup starts what it needs for the test
// and returns a function that opens a new empty store.
type dialect struct {
	name  string
	setup func(t testing.TB) (open func(t testing.TB) *city.Store)
}

var dialects = []dialect{
	{"sqlite", func(testing.TB) func(t testing.TB) *city.Store {
		return func(t testing.TB) *city.Store { return openStore(t, filepath.Join(t.TempDir(), "city.db")) }
	}},
	{"postgres", func(t testing.TB) func(t testing.TB) *city.Store {
		pg := startPostgres(t)
		return func(t testing.TB) *city.Store { return openStore(t, pg.database(t)) }
	}},
}

func openStore(t testing.TB, dsn string) *city.Store {
	t.Helper()
	s, err := city.OpenStore(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestStore(t *testing.T) {
	received := at("2026-11-23", "09:10").Add(3 * time.Second)
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			open := d.setup(t)
			t.Run("put is idempotent", func(t *testing.T) {
				ctx := context.Background()
				s := open(t)
				batch := []protocol.Figures{nkLastOf22, nkDay22, nk0900}
				for i, want := range []int{3, 0} {
					n, err := s.Put(ctx, batch, received)
					if err != nil || n != want {
						t.Fatalf("Put #%d: %d stored, %v; want %d", i+1, n, err, want)
					}
				}
				// A batch with old and new records, and a record twice.
				if n, err := s.Put(ctx, []protocol.Figures{nk0900, nk0905, nk0905}, received); err != nil || n != 1 {
					t.Fatalf("Put mixed: %d stored, %v; want 1", n, err)
				}
				if n, err := s.Records(ctx, "ninh-kieu"); err != nil || n != 4 {
					t.Errorf("Records: %d, %v; want 4", n, err)
				}
				// The day aggregate counted each of nk0900 and nk0905 once.
				checkToday := func() {
					t.Helper()
					cs, err := s.Centres(ctx)
					if err != nil || len(cs) != 1 {
						t.Fatalf("Centres: %+v, %v", cs, err)
					}
					if c := cs[0]; c.Issued != 8 || c.Served != 6 || c.NoShows != 1 || c.Waits.N != 5 ||
						c.Waits.Targeted != 5 || !near(c.Waits.WithinTarget, 0.6) || c.Rated != 6 {
						t.Errorf("today after duplicates: %+v", c)
					}
				}
				checkToday()
				// The first copy stays: a changed record under a stored seq
				// is not taken.
				changed := nk0900
				changed.CountersOpen = 99
				if n, err := s.Put(ctx, []protocol.Figures{changed}, received); err != nil || n != 0 {
					t.Fatalf("Put changed: %d stored, %v; want 0", n, err)
				}
				got, ok, err := s.Record(ctx, "ninh-kieu", 3)
				if err != nil || !ok || got.CountersOpen != 7 || !got.To.Equal(nk0900.To) {
					t.Errorf("Record 3: %+v %v %v", got, ok, err)
				}
				if _, ok, err := s.Record(ctx, "ninh-kieu", 42); err != nil || ok {
					t.Errorf("Record 42: %v %v, want none", ok, err)
				}
				checkToday()
				// An invalid record fails the whole batch.
				bad := nk0905
				bad.Seq, bad.Kind = 9, "week"
				if _, err := s.Put(ctx, []protocol.Figures{nkDay21, bad}, received); !errors.Is(err, city.ErrRecord) {
					t.Errorf("Put invalid: %v, want ErrRecord", err)
				}
				if n, err := s.Records(ctx, ""); err != nil || n != 4 {
					t.Errorf("Records after a failed batch: %d, %v; want 4", n, err)
				}
			})
			t.Run("queries", func(t *testing.T) {
				ctx := context.Background()
				s := open(t)
				// The latest interval first, the one before it later: the
				// centre's row keeps the latest by its end, not by arrival.
				for _, b := range [][]protocol.Figures{{nk0905, nkLastOf22}, {nkDay22, nk0900, crDay22}, {nkDay21}} {
					if _, err := s.Put(ctx, b, received); err != nil {
						t.Fatal(err)
					}
				}
				got, err := s.Centres(ctx)
				if err != nil {
					t.Fatal(err)
				}
				// Today's 5 waits all have the quantiles of todayWait:
				// their histogram (0-5, 5-10, ... minutes) holds 0.25,
				// 0.25, 0.2, 0.2, 0.08 and 0.02 of them, so p50 is read
				// at the end of 5-10 and p90 at the end of 15-20 minutes.
				// 3 of the 5 waits were within target, as sent.
				want := []city.CentreSummary{
					{Centre: "cai-rang", LastSeq: 1, LastReceived: received, Waiting: -1,
						Devices: protocol.DeviceFigures{}},
					{Centre: "ninh-kieu", LastSeq: 5, LastReceived: received, LatestSeq: 4, Day: "2026-11-23",
						LatestFrom: nk0905.From, LastTo: nk0905.To, Waiting: 5, CountersOpen: 8,
						Devices: protocol.DeviceFigures{Total: 11, Offline: 1, Faults: 2},
						Issued:  8, Served: 6, NoShows: 1,
						Waits: city.Waits{N: 5, P50: 600 * time.Second, P90: 1200 * time.Second, Max: 2000 * time.Second,
							Targeted: 5, WithinTarget: 3.0 / 5},
						Rated: 6, Satisfied: 4.0 / 6},
				}
				if len(got) != len(want) {
					t.Fatalf("Centres: %d, want %d: %+v", len(got), len(want), got)
				}
				for i := range want {
					g, w := got[i], want[i]
					if !near(g.Waits.WithinTarget, w.Waits.WithinTarget) || !near(g.Satisfied, w.Satisfied) {
						t.Errorf("%s: within target %v, satisfied %v; want %v, %v", w.Centre,
							g.Waits.WithinTarget, g.Satisfied, w.Waits.WithinTarget, w.Satisfied)
					}
					g.Waits.WithinTarget, g.Satisfied = w.Waits.WithinTarget, w.Satisfied
					if !g.LastReceived.Equal(w.LastReceived) || !g.LatestFrom.Equal(w.LatestFrom) || !g.LastTo.Equal(w.LastTo) {
						t.Errorf("%s: times %v %v %v; want %v %v %v", w.Centre, g.LastReceived, g.LatestFrom, g.LastTo,
							w.LastReceived, w.LatestFrom, w.LastTo)
					}
					g.LastReceived, g.LatestFrom, g.LastTo = w.LastReceived, w.LatestFrom, w.LastTo
					if !reflect.DeepEqual(g, w) {
						t.Errorf("Centres[%d]:\n got %+v\nwant %+v", i, g, w)
					}
				}
				nk := got[1]
				if nk.Interval() != 5*time.Minute {
					t.Errorf("interval %s, want 5m", nk.Interval())
				}
				for _, c := range []struct {
					now  time.Time
					down bool
				}{{nk.LastTo.Add(15 * time.Minute), false}, {nk.LastTo.Add(16 * time.Minute), true}} {
					if nk.Down(c.now) != c.down {
						t.Errorf("Down %s after the last record: %v", c.now.Sub(nk.LastTo), !c.down)
					}
				}
				if !got[0].Down(received) {
					t.Errorf("a centre without an interval record is not down")
				}

				trend, err := s.Trend(ctx, "ninh-kieu", 7)
				if err != nil {
					t.Fatal(err)
				}
				// The days over, from the interval records where there
				// are any (the day record of the 22nd is not read), from
				// the day record of the 21st, which has none; the 23rd is
				// under way.
				wantTrend := []city.DayFigures{
					// 95 % of the waits (F(300 s)) in 0-5 minutes: p50 at
					// 300 × 0.5/0.95 = 157.9 s, p90 at 300 × 0.9/0.95 =
					// 284.2 s.
					{Day: "2026-11-21", Seq: 5, Issued: 50, Served: 50,
						Waits: city.Waits{N: 50, P50: 158 * time.Second, P90: 284 * time.Second, Max: 400 * time.Second,
							Targeted: 50, WithinTarget: 1}},
					// One row of 100 waits {5000, 6000, 7000, 8000 s}: the
					// buckets to 60 minutes hold 3, 3, 3, 3, 6, 9 and 9 %
					// of them (0.5 × edge/5000), 60-90 minutes 30 % (up to
					// 0.5 + 0.4 × 400/1000 at 5400 s), 90-120 30 % (up to
					// 0.95 + 0.05 × 200/1000) and 120-180 the last 4 %.
					// p50: 36 % before 60 minutes, 14 of the 30 % of 60-90
					// gives 3600 + 1800 × 14/30 = 4440 s; p90: 66 % before
					// 90 minutes, 3600 + ... = 5400 + 1800 × 24/30 = 6840 s.
					{Day: "2026-11-22", Seq: 1, Issued: 100, Served: 100,
						Waits: city.Waits{N: 100, P50: 4440 * time.Second, P90: 6840 * time.Second, Max: 8000 * time.Second,
							Targeted: 100, WithinTarget: 0.03},
						Rated: 50, Satisfied: 0},
				}
				for i := range min(len(trend), len(wantTrend)) {
					g, w := &trend[i], &wantTrend[i]
					if near(g.Waits.WithinTarget, w.Waits.WithinTarget) && near(g.Satisfied, w.Satisfied) {
						g.Waits.WithinTarget, g.Satisfied = w.Waits.WithinTarget, w.Satisfied
					}
				}
				if !reflect.DeepEqual(trend, wantTrend) {
					t.Errorf("Trend:\n got %+v\nwant %+v", trend, wantTrend)
				}
				if trend, err := s.Trend(ctx, "ninh-kieu", 1); err != nil || len(trend) != 1 || trend[0].Day != "2026-11-22" {
					t.Errorf("Trend of 1 day: %+v %v", trend, err)
				}
				if trend, err := s.Trend(ctx, "nowhere", 7); err != nil || len(trend) != 0 {
					t.Errorf("Trend of an unknown centre: %+v %v", trend, err)
				}
				for centre, want := range map[string]int{"ninh-kieu": 5, "cai-rang": 1, "": 6, "nowhere": 0} {
					if n, err := s.Records(ctx, centre); err != nil || n != want {
						t.Errorf("Records(%q): %d, %v; want %d", centre, n, err, want)
					}
				}
				// Once the centre sends the day record of the 23rd the day
				// is over, and read from the aggregate, not the record.
				day23 := nkDay22
				day23.Seq, day23.Day, day23.From, day23.To = 6, "2026-11-23", at("2026-11-23", "00:00"), at("2026-11-24", "00:00")
				if _, err := s.Put(ctx, []protocol.Figures{day23}, received); err != nil {
					t.Fatal(err)
				}
				if trend, err := s.Trend(ctx, "ninh-kieu", 1); err != nil || len(trend) != 1 || trend[0].Day != "2026-11-23" ||
					trend[0].Seq != 4 || trend[0].Issued != 8 || trend[0].Waits.N != 5 || !near(trend[0].Waits.WithinTarget, 0.6) {
					t.Errorf("Trend with the day record of the 23rd: %+v %v", trend, err)
				}
			})
			// Writers storing the same records at once, as two city
			// instances may when a centre sends a record again: each
			// record is stored by one of them, and no commit fails.
			t.Run("concurrent puts", func(t *testing.T) {
				ctx := context.Background()
				s := open(t)
				var wg sync.WaitGroup
				var mu sync.Mutex
				total := 0
				for w := range 4 {
					wg.Go(func() {
						for n := range 5 {
							b := batch((n+w)%5, 100)
							k, err := s.Put(ctx, b, received)
							if err != nil {
								t.Error(err)
								return
							}
							mu.Lock()
							total += k
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if n, err := s.Records(ctx, ""); err != nil || n != 500 || total != 500 {
					t.Errorf("%d records, %d stored by the writers, %v; want 500", n, total, err)
				}
				cs, err := s.Centres(ctx)
				if err != nil || len(cs) != 50 {
					t.Fatalf("Centres: %d, %v", len(cs), err)
				}
				for _, c := range cs {
					if c.LastSeq != 10 || c.LatestSeq != 10 || c.Issued != 10*6*3 {
						t.Errorf("%s: last seq %d, latest %d, issued %d", c.Centre, c.LastSeq, c.LatestSeq, c.Issued)
					}
					// The day aggregate against the stored service rows,
					// counted again: every row has the waits of todayWait,
					// so the pooled p50 and p90 are its own.
					var want city.CentreSummary
					for seq := int64(1); seq <= c.LastSeq; seq++ {
						f, ok, err := s.Record(ctx, c.Centre, seq)
						if err != nil || !ok {
							t.Fatalf("Record %s %d: %v %v", c.Centre, seq, ok, err)
						}
						if f.Kind != protocol.FiguresInterval || f.Day != c.Day {
							continue
						}
						for _, v := range f.Services {
							want.Issued += v.Issued
							want.Served += v.Served
							want.NoShows += v.NoShows
							want.Waits.N += v.Wait.N
							want.Waits.Targeted += v.Wait.N
							want.Waits.WithinTarget += float64(v.WithinTarget)
							want.Rated += v.Ratings[0] + v.Ratings[1] + v.Ratings[2] + v.Ratings[3]
						}
					}
					want.Waits.WithinTarget /= float64(want.Waits.Targeted)
					want.Waits.P50, want.Waits.P90, want.Waits.Max = 600*time.Second, 1200*time.Second, 2000*time.Second
					if c.Issued != want.Issued || c.Served != want.Served || c.NoShows != want.NoShows ||
						c.Waits != want.Waits || c.Rated != want.Rated || c.Satisfied != 1 || c.Waiting != 6*4 {
						t.Errorf("%s: today %+v %+v, rated %d, waiting %d; want %+v %+v, rated %d, waiting 24",
							c.Centre, c.Issued, c.Waits, c.Rated, c.Waiting, want.Issued, want.Waits, want.Rated)
					}
				}
			})
		})
	}
}

// BenchmarkPut stores batches of 500 new records, 50 centres of six
// services each.
func BenchmarkPut(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.setup(b)(b)
			ctx := context.Background()
			const size = 500
			received := at("2026-11-23", "09:10")
			b.ResetTimer()
			for n := range b.N {
				if _, err := s.Put(ctx, batch(n, size), received); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkCentres sums up 50 centres of 100 intervals.
func BenchmarkCentres(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.setup(b)(b)
			ctx := context.Background()
			for n := range 10 {
				if _, err := s.Put(ctx, batch(n, 500), at("2026-11-23", "09:10")); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				if cs, err := s.Centres(ctx); err != nil || len(cs) != 50 {
					b.Fatalf("Centres: %d, %v", len(cs), err)
				}
			}
		})
	}
}

// BenchmarkCentres3321 sums up every commune and ward of Vietnam, 3,321
// centres, at noon: a morning of 5-minute intervals from 7:00, six
// services each, stored in batches of one interval of every centre.
func BenchmarkCentres3321(b *testing.B) {
	const centres, intervals = 3321, 60
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.setup(b)(b)
			ctx := context.Background()
			recs := make([]protocol.Figures, centres)
			for seq := int64(1); seq <= intervals; seq++ {
				for i := range recs {
					recs[i] = record(fmt.Sprintf("c%04d", i), seq)
				}
				if _, err := s.Put(ctx, recs, at("2026-11-23", "12:00")); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				cs, err := s.Centres(ctx)
				if err != nil || len(cs) != centres {
					b.Fatalf("Centres: %d, %v", len(cs), err)
				}
				if c := cs[0]; c.Issued != intervals*6*3 || c.Waits.P50 != 600*time.Second {
					b.Fatalf("Centres: %+v", c)
				}
			}
		})
	}
}

// batch is the nth batch of size records of 50 centres, seqs following on.
func batch(n, size int) []protocol.Figures {
	recs := make([]protocol.Figures, size)
	for i := range recs {
		recs[i] = record(fmt.Sprintf("c%d", i%50), int64(n*size/50+i/50+1))
	}
	return recs
}

// record is a centre's interval record numbered seq, with six services,
// of the 23rd from 7:00.
func record(centre string, seq int64) protocol.Figures {
	from := at("2026-11-23", "07:00").Add(time.Duration(seq-1) * 5 * time.Minute)
	f := protocol.Figures{Centre: centre, Seq: seq, Kind: protocol.FiguresInterval,
		Day: from.In(zone).Format(time.DateOnly), From: from, To: from.Add(5 * time.Minute),
		CountersOpen: 6, Devices: protocol.DeviceFigures{Total: 10}}
	for _, s := range []string{"A", "B", "C", "D", "E", "F"} {
		f.Services = append(f.Services, protocol.ServiceFigures{Service: s, Issued: 3, Served: 2,
			Wait: todayWait, WithinTarget: 1, ServiceTime: svcTime, Waiting: 4, TargetSeconds: 1800, Ratings: [4]int{1, 1, 0, 0}})
	}
	return f
}
