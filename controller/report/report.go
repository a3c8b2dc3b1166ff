package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

// Errors that callers branch on: a page answers them with 400 Bad Request.
var (
	ErrPeriod = errors.New("report: unknown period, want day, week or month")
	ErrBy     = errors.New("report: unknown breakdown, want service, counter or staff")
	ErrDay    = errors.New("report: no day given")
)

// Period is the span a report covers.
type Period string

// Periods.
const (
	Day   Period = "day"
	Week  Period = "week" // ISO week, Monday to Sunday
	Month Period = "month"
)

// By is what a report's rows are.
type By string

// Breakdowns.
const (
	ByService By = "service"
	ByCounter By = "counter"
	ByStaff   By = "staff"
)

// Range returns [from, to) of the local day, ISO week or month containing
// day, in loc. Boundaries are local midnights, never UTC ones: 07:00 in Viet
// Nam is UTC midnight and splits nothing.
func Range(p Period, day time.Time, loc *time.Location) (from, to time.Time) {
	if loc == nil {
		loc = vietnam
	}
	d := day.In(loc)
	y, m, dd := d.Date()
	switch p {
	case Week:
		from = time.Date(y, m, dd-(int(d.Weekday())+6)%7, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 0, 7)
	case Month:
		from = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 1, 0)
	default:
		from = time.Date(y, m, dd, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 0, 1)
	}
}

// vietnam is the zone of a centre configured without one.
var vietnam = func() *time.Location {
	loc, err := time.LoadLocation(config.DefaultTimezone)
	if err != nil {
		panic(err) // config links time/tzdata in
	}
	return loc
}()

// Options are the centre's names for a report's rows.
type Options struct {
	Centre *config.Centre
	// StaffName gives a staff member's display name from their user name;
	// nil shows the user name.
	StaffName func(user string) string
}

// Query asks for one report.
type Query struct {
	Period Period
	Day    time.Time // any moment of the day, week or month
	By     By
	// Lang is the language of the rows' Name: "vi" (the default) or "en".
	// The exports name the rows in their own language.
	Lang string
}

// Report holds a period's figures, one Row per service, counter or staff
// member, their total, and one total per local day.
type Report struct {
	From, To time.Time
	Period   Period
	By       By
	Rows     []Row
	Total    Row
	Days     []Row // one per local day of [From, To), Key "2026-11-23"

	opts Options
}

// Row is the figures of one service, counter, staff member or day. See the
// package documentation for how each is counted.
type Row struct {
	Key  string // service id, counter id, user name ("" unattributed) or local date
	Name string // in Query.Lang

	Issued, Served, NoShows, Transferred int

	Waits             int           // waits measured
	MeanWait, P90Wait time.Duration // over the waits measured
	MeanService       time.Duration // over served visits
	// WaitQuantiles and ServiceQuantiles are the waits' and the served
	// visits' quantiles in whole seconds, for the figures sent to the city.
	WaitQuantiles, ServiceQuantiles protocol.Quantiles
	// WithinTarget counts the waits at most their service's target wait.
	WithinTarget int

	Ratings map[protocol.Rating]int
	// Score is the percentage of ratings that are very satisfied or
	// satisfied; 0 with no rating, which the exports leave empty.
	Score float64
}

// Rated is the number of ratings counted.
func (r *Row) Rated() int {
	n := 0
	for _, c := range r.Ratings {
		n += c
	}
	return n
}

// acc gathers one row's figures while the events are read.
type acc struct {
	row            Row
	waits          []time.Duration
	within         int             // waits at most their service's target
	svcs           []time.Duration // service times of served visits
	ratings        [4]int          // by index in protocol.Ratings
	inConfig, seen bool
}

func (a *acc) finish() Row {
	r := a.row
	r.Waits = len(a.waits)
	r.MeanWait, r.WaitQuantiles = sumUp(a.waits) // sorts a.waits
	if n := len(a.waits); n > 0 {
		r.P90Wait = a.waits[(9*n+9)/10-1]
	}
	r.MeanService, r.ServiceQuantiles = sumUp(a.svcs)
	r.WithinTarget = a.within
	r.Ratings = make(map[protocol.Rating]int, len(protocol.Ratings))
	rated := 0
	for i, rt := range protocol.Ratings {
		r.Ratings[rt] = a.ratings[i]
		rated += a.ratings[i]
	}
	if rated > 0 {
		// protocol.Ratings is best first: very satisfied, satisfied, ...
		r.Score = 100 * float64(a.ratings[0]+a.ratings[1]) / float64(rated)
	}
	return r
}

// sumUp returns the mean of ds and its quantiles by nearest rank (the
// q-quantile is the smallest d with at least q of ds at or below it),
// sorting ds.
func sumUp(ds []time.Duration) (time.Duration, protocol.Quantiles) {
	n := len(ds)
	if n == 0 {
		return 0, protocol.Quantiles{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	rank := func(pct int) int { return int(ds[(pct*n+99)/100-1] / time.Second) }
	return sum / time.Duration(n), protocol.Quantiles{N: n, P50: rank(50), P90: rank(90), P95: rank(95),
		Max: int(ds[n-1] / time.Second)}
}

// visit is where a ticket's current visit stands.
type visit struct {
	queued   time.Time // start of the visit in its queue; zero if unknown
	waited   bool      // the visit's first call was seen
	lastCall time.Time // the visit's latest call; zero before one
}

// rating is a ticket's latest rating and where it counts.
type rating struct {
	key string
	day int
	r   int // index in protocol.Ratings
}

// signIn is a staff member signing in at a counter.
type signIn struct {
	at   int64
	user string
}

// builder reads the events of one report.
type builder struct {
	by      By
	loc     *time.Location
	starts  []int64 // the local days' starts, then To
	dayHint int
	signIns map[string][]signIn // by counter, by time
	rows    map[string]*acc
	total   acc
	days    []acc
	visits  map[int64]*visit
	targets map[string]time.Duration // the services' target waits
	ratings map[int64]rating
}

// Source is where a report reads its events: the centre's store has them.
type Source interface {
	Events(ctx context.Context, span store.Span, q store.EventQuery) iter.Seq2[store.Event, error]
}

// Build reads the events of the period containing q.Day from events and
// returns the report.
func Build(ctx context.Context, events Source, opts Options, q Query) (*Report, error) {
	switch q.Period {
	case Day, Week, Month:
	default:
		return nil, fmt.Errorf("report.Build %q: %w", q.Period, ErrPeriod)
	}
	if q.Day.IsZero() {
		return nil, fmt.Errorf("report.Build: %w", ErrDay)
	}
	from, to := Range(q.Period, q.Day, location(opts))
	r, err := build(ctx, events, opts, q, from, to)
	if err != nil {
		return nil, err
	}
	r.Period = q.Period
	return r, nil
}

// Span is a report of any span [from, to), such as the five minutes of a
// figures record; its Days are the local days the span touches, each
// counted within the span.
func Span(ctx context.Context, events Source, opts Options, from, to time.Time, by By) (*Report, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("report.Span %s to %s: empty span", from, to)
	}
	return build(ctx, events, opts, Query{By: by, Day: from}, from, to)
}

func location(opts Options) *time.Location {
	if opts.Centre != nil && opts.Centre.Location != nil {
		return opts.Centre.Location
	}
	return vietnam
}

func build(ctx context.Context, events Source, opts Options, q Query, from, to time.Time) (*Report, error) {
	switch q.By {
	case ByService, ByCounter, ByStaff:
	default:
		return nil, fmt.Errorf("report.Build %q: %w", q.By, ErrBy)
	}
	loc := location(opts)
	b := &builder{
		by: q.By, loc: loc,
		rows:    map[string]*acc{},
		visits:  map[int64]*visit{},
		ratings: map[int64]rating{},
		signIns: map[string][]signIn{},
	}
	b.starts = append(b.starts, from.UnixNano())
	for d := nextMidnight(from, loc); d.Before(to); d = d.AddDate(0, 0, 1) {
		b.starts = append(b.starts, d.UnixNano())
	}
	b.days = make([]acc, len(b.starts))
	b.starts = append(b.starts, to.UnixNano())
	b.configRows(opts.Centre)

	if err := b.readSignIns(ctx, events, from, to); err != nil {
		return nil, err
	}
	if err := b.readEvents(ctx, events, from, to); err != nil {
		return nil, err
	}
	for _, rt := range b.ratings {
		b.row(rt.key).ratings[rt.r]++
		b.total.ratings[rt.r]++
		b.days[rt.day].ratings[rt.r]++
	}

	r := &Report{From: from, To: to, By: q.By, opts: opts}
	accs := make([]*acc, 0, len(b.rows))
	for _, a := range b.rows {
		if a.inConfig || a.seen {
			accs = append(accs, a)
		}
	}
	slices.SortFunc(accs, b.order(opts.Centre))
	for _, a := range accs {
		row := a.finish()
		row.Name = r.RowName(row.Key, q.Lang)
		r.Rows = append(r.Rows, row)
	}
	r.Total = b.total.finish()
	r.Total.Name = label(q.Lang, colTotal)
	for i := range b.days {
		d := b.days[i].finish()
		d.Key = time.Unix(0, b.starts[i]).In(loc).Format(time.DateOnly)
		d.Name = d.Key
		r.Days = append(r.Days, d)
	}
	return r, nil
}

// configRows lists every configured service or counter, so that a quiet
// one shows with zeros.
func (b *builder) configRows(c *config.Centre) {
	b.targets = map[string]time.Duration{}
	if c == nil {
		return
	}
	for _, s := range c.Services {
		if s.TargetWait > 0 {
			b.targets[s.ID] = s.TargetWait
		}
	}
	switch b.by {
	case ByService:
		for _, s := range c.Services {
			b.row(s.ID).inConfig = true
		}
	case ByCounter:
		for _, k := range c.Counters {
			b.row(k.ID).inConfig = true
		}
	}
}

// order sorts configured rows as the configuration lists them, then the
// others by key, the unattributed last.
func (b *builder) order(c *config.Centre) func(x, y *acc) int {
	pos := map[string]int{}
	if c != nil {
		switch b.by {
		case ByService:
			for i, s := range c.Services {
				pos[s.ID] = i + 1
			}
		case ByCounter:
			for i, k := range c.Counters {
				pos[k.ID] = i + 1
			}
		}
	}
	rank := func(a *acc) int {
		if p, ok := pos[a.row.Key]; ok {
			return p
		}
		if a.row.Key == "" {
			return len(pos) + 2
		}
		return len(pos) + 1
	}
	return func(x, y *acc) int {
		if c := cmp.Compare(rank(x), rank(y)); c != 0 {
			return c
		}
		return cmp.Compare(x.row.Key, y.row.Key)
	}
}

func (b *builder) row(key string) *acc {
	a := b.rows[key]
	if a == nil {
		a = &acc{row: Row{Key: key}}
		b.rows[key] = a
	}
	return a
}

// day returns the index of the local day holding at, a time in range.
func (b *builder) day(at int64) int {
	if i := b.dayHint; b.starts[i] <= at && at < b.starts[i+1] {
		return i
	}
	i, found := slices.BinarySearch(b.starts, at)
	if !found {
		i--
	}
	b.dayHint = min(max(i, 0), len(b.days)-1)
	return b.dayHint
}

func (b *builder) readSignIns(ctx context.Context, events Source, from, to time.Time) error {
	// From is a local midnight, so the whole day of any event in range
	// starts at or after it.
	dayStart, _ := Range(Day, from, b.loc)
	q := store.EventQuery{Kinds: []string{"signed_in"}, Actor: true, ByTime: true}
	for e, err := range events.Events(ctx, store.Span{From: dayStart, To: to}, q) {
		if err != nil {
			return fmt.Errorf("report: read sign-ins: %w", err)
		}
		if user, ok := strings.CutPrefix(e.Actor, "web:"); ok {
			b.signIns[e.Counter] = append(b.signIns[e.Counter], signIn{at: e.At.UnixNano(), user: user})
		}
	}
	return nil
}

// staff is the user who did an event: a web actor's own user, or the one
// signed in latest at the event's counter that day.
func (b *builder) staff(at int64, counter, actor string, day int) string {
	if user, ok := strings.CutPrefix(actor, "web:"); ok {
		return user
	}
	s := b.signIns[counter]
	i, _ := slices.BinarySearchFunc(s, at+1, func(x signIn, t int64) int { return cmp.Compare(x.at, t) })
	if i == 0 || s[i-1].at < b.starts[day] {
		return ""
	}
	return s[i-1].user
}

// kinds are the events a report reads.
var kinds = []string{"issued", "issued_offline", "replaced", "called", "called_again", "recalled",
	"called_out_of_order", "served", "no_show", "transferred", "rated"}

// eventsRead is the query of a report's events: the actor only for staff
// reports and the detail only for ratings, to spare a string per column
// and event.
func eventsRead(staff bool) store.EventQuery {
	return store.EventQuery{Kinds: kinds, Actor: staff, Details: []string{"rated"}}
}

func (b *builder) readEvents(ctx context.Context, events Source, from, to time.Time) error {
	for e, err := range events.Events(ctx, store.Span{From: from, To: to}, eventsRead(b.by == ByStaff)) {
		if err != nil {
			return fmt.Errorf("report: read events: %w", err)
		}
		b.add(&e)
	}
	return nil
}

// add counts one event.
func (b *builder) add(ev *store.Event) {
	at := ev.At
	day := b.day(at.UnixNano())
	v := b.visitOf(ev)
	switch ev.Kind {
	case "issued", "issued_offline":
		if b.by == ByService {
			a := b.row(ev.Service)
			a.seen = true
			a.row.Issued++
		}
		b.total.row.Issued++
		b.days[day].row.Issued++
	case "replaced":
		if b.by == ByService {
			b.row(ev.Service).row.Issued--
		}
		b.total.row.Issued--
		b.days[day].row.Issued--
	case "called", "called_out_of_order", "recalled", "called_again":
		if v != nil {
			b.called(ev, v, at, day)
		}
	case "served":
		b.served(ev, v, at, day)
	case "no_show":
		b.each(ev, day, func(a *acc) { a.row.NoShows++ })
	case "transferred":
		b.each(ev, day, func(a *acc) { a.row.Transferred++ })
		if v != nil {
			*v = visit{queued: at}
		}
	case "rated":
		b.rated(ev, day)
	}
}

// key is the row an event counts in.
func (b *builder) key(ev *store.Event, day int) string {
	switch b.by {
	case ByService:
		return ev.Service
	case ByCounter:
		return ev.Counter
	}
	return b.staff(ev.At.UnixNano(), ev.Counter, ev.Actor, day)
}

// each counts with f in the event's row, the total and its day.
func (b *builder) each(ev *store.Event, day int, f func(a *acc)) {
	a := b.row(b.key(ev, day))
	a.seen = true
	f(a)
	f(&b.total)
	f(&b.days[day])
}

// visitOf is the visit of the event's ticket, nil for an event of none.
func (b *builder) visitOf(ev *store.Event) *visit {
	v := b.visits[ev.Ticket]
	if v == nil && ev.Ticket != 0 {
		v = &visit{}
		v.queued = ev.Issued // zero if unknown
		b.visits[ev.Ticket] = v
	}
	return v
}

// called counts a call: the first ends the visit's wait, a call again
// does not.
func (b *builder) called(ev *store.Event, v *visit, at time.Time, day int) {
	if ev.Kind != "called_again" && !v.waited {
		v.waited = true
		if !v.queued.IsZero() {
			w := at.Sub(v.queued)
			target, ok := b.targets[ev.Service]
			within := ok && w <= target
			b.each(ev, day, func(a *acc) {
				a.waits = append(a.waits, w)
				if within {
					a.within++
				}
			})
		}
	}
	v.lastCall = at
}

// served counts a citizen served, and the service time from the last call.
func (b *builder) served(ev *store.Event, v *visit, at time.Time, day int) {
	var d time.Duration
	ok := v != nil && !v.lastCall.IsZero()
	if ok {
		d = at.Sub(v.lastCall)
	}
	b.each(ev, day, func(a *acc) {
		a.row.Served++
		if ok {
			a.svcs = append(a.svcs, d)
		}
	})
}

// rated keeps a ticket's rating, the last one given, for its row and day.
func (b *builder) rated(ev *store.Event, day int) {
	i := slices.Index(protocol.Ratings, protocol.Rating(ev.Detail))
	if i < 0 || ev.Ticket == 0 {
		return
	}
	k := b.key(ev, day)
	b.row(k).seen = true
	b.ratings[ev.Ticket] = rating{key: k, day: day, r: i}
}

// nextMidnight is the first local midnight after t.
func nextMidnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}
