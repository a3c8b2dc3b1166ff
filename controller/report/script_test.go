package report_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/report"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

// This file drives the real engine into a real store and keeps, beside it,
// the script's own ledger: what the script did, when and as whom. The
// expected figures come from the ledger, never from the events.

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func exampleCentre(t testing.TB) *config.Centre {
	t.Helper()
	c, err := config.Parse("example.yaml", config.Example())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func keypad(counter string) engine.Actor {
	return engine.Actor{Device: "counter-" + counter, Kind: protocol.DeviceCounter, Counter: counter}
}

func web(user, counter string) engine.Actor {
	return engine.Actor{Device: "web:" + user, Kind: protocol.DeviceCounter, Counter: counter}
}

func kiosk(id string) engine.Actor { return engine.Actor{Device: id, Kind: protocol.DeviceKiosk} }

// fig is what the ledger knows of one service, counter or staff member on
// one day.
type fig struct {
	issued, served, noShows, transferred int
	waits, service                       []time.Duration
	ratings                              map[protocol.Rating]int
}

// lticket is a ticket as the script knows it.
type lticket struct {
	number, service string
	state           string // waiting, called, parked, done
	toCounter       string // waiting for this counter only
	counter         string
	queued          time.Time // when its current visit joined a queue
	called          bool      // its current visit was called
	lastCall        time.Time
	rating          *lrating
}

type lrating struct {
	r                       protocol.Rating
	service, counter, staff string
	day                     string
}

type signedIn struct{ user, day string }

type ledger struct {
	figs     map[string]*fig // by "by/key/day"
	tickets  map[string]*lticket
	order    []*lticket // every ticket, for ratings
	current  map[string]*lticket
	last     map[string]*lticket // last served at a counter, what a rating rates
	signedIn map[string]signedIn
	day      string
}

func newLedger() *ledger {
	return &ledger{figs: map[string]*fig{}, tickets: map[string]*lticket{}, current: map[string]*lticket{},
		last: map[string]*lticket{}, signedIn: map[string]signedIn{}}
}

func (l *ledger) fig(by report.By, key, day string) *fig {
	k := string(by) + "/" + key + "/" + day
	f := l.figs[k]
	if f == nil {
		f = &fig{ratings: map[protocol.Rating]int{}}
		l.figs[k] = f
	}
	return f
}

// count applies f to the figures of a service, a counter and a staff member.
func (l *ledger) count(day, service, counter, staff string, f func(*fig)) {
	f(l.fig(report.ByService, service, day))
	f(l.fig(report.ByCounter, counter, day))
	f(l.fig(report.ByStaff, staff, day))
}

// script plays commands at a fake time and records them in its ledger.
type script struct {
	t   testing.TB
	ctx context.Context
	c   *config.Centre
	e   *engine.Engine
	st  *store.Store
	now time.Time
	n   int
	l   *ledger
}

func newScript(t testing.TB, c *config.Centre, start time.Time) *script {
	return &script{t: t, ctx: context.Background(), c: c, st: openStore(t), now: start, l: newLedger(),
		e: engine.New(engine.Options{Centre: c, Secret: []byte("s"), Samples: engine.Unpredicted})}
}

func (s *script) at(t time.Time) {
	if t.Before(s.now) {
		s.t.Fatalf("script goes back in time: %v after %v", t, s.now)
	}
	s.now = t
	if d := s.c.Day(t); d != s.l.day {
		// A new local day: the engine ends open tickets and counters forget
		// their last ticket; sign-ins are of the day before.
		s.l.day = d
		clear(s.l.current)
		clear(s.l.last)
		for _, tk := range s.l.tickets {
			if tk.state != "done" {
				tk.state = "done"
			}
		}
		clear(s.l.tickets)
	}
}

func (s *script) commit() {
	s.t.Helper()
	b := s.e.Flush()
	if err := s.st.Commit(s.ctx, &b); err != nil {
		s.t.Fatal(err)
	}
}

func (s *script) do(a engine.Actor, req protocol.Request) protocol.Reply {
	s.t.Helper()
	if req.Key == "" {
		s.n++
		req.Key = fmt.Sprint("k", s.n)
	}
	r := s.e.Handle(s.now, a, req)
	if !r.OK {
		s.t.Fatalf("%s %s %+v at %v: %v", a.Device, req.Op, req, s.now, r.Error)
	}
	return r
}

// staff is who the script knows acted: a web user, or whoever signed in at
// the counter today.
func (s *script) staff(a engine.Actor) string {
	if u, ok := strings.CutPrefix(a.Device, "web:"); ok {
		return u
	}
	if si, ok := s.l.signedIn[a.Counter]; ok && si.day == s.l.day {
		return si.user
	}
	return ""
}

func (s *script) signIn(counter, user string) {
	s.e.Note(s.now, "signed_in", counter, web(user, counter), "")
	s.l.signedIn[counter] = signedIn{user, s.l.day}
}

func (s *script) newTicket(number, service string, issued time.Time) *lticket {
	tk := &lticket{number: number, service: service, state: "waiting", queued: issued}
	s.l.tickets[number] = tk
	s.l.order = append(s.l.order, tk)
	s.l.fig(report.ByService, service, s.l.day).issued++
	return tk
}

// issue takes a ticket at kiosk with the request key key ("" for any).
func (s *script) issue(kioskID, service, key string) string {
	r := s.do(kiosk(kioskID), protocol.Request{Op: protocol.OpTicket, Service: service, Key: key})
	s.newTicket(r.Ticket.Number, service, s.now)
	return r.Ticket.Number
}

// offline hands over a ticket kioskID printed at issued; replaces is the
// key of a request it gave up on.
func (s *script) offline(kioskID, service, number string, issued time.Time, replaces string) {
	s.do(kiosk(kioskID), protocol.Request{Op: protocol.OpOfflineTicket, Service: service, Ticket: number, Issued: issued, Replaces: replaces})
	s.newTicket(number, service, issued)
}

// replaced records that the script's ticket number was replaced while it
// waited.
func (s *script) replaced(number string) {
	tk := s.l.tickets[number]
	tk.state = "done"
	s.l.fig(report.ByService, tk.service, s.l.day).issued--
}

func (s *script) served(a engine.Actor) {
	tk := s.l.current[a.Counter]
	if tk == nil {
		return
	}
	d := s.now.Sub(tk.lastCall)
	s.l.count(s.l.day, tk.service, a.Counter, s.staff(a), func(f *fig) { f.served++; f.service = append(f.service, d) })
	tk.state = "done"
	s.l.last[a.Counter] = tk
	delete(s.l.current, a.Counter)
}

func (s *script) called(a engine.Actor, number string) {
	tk := s.l.tickets[number]
	if tk == nil {
		s.t.Fatalf("engine called %s, unknown to the script", number)
	}
	if !tk.called {
		tk.called = true
		w := s.now.Sub(tk.queued)
		s.l.count(s.l.day, tk.service, a.Counter, s.staff(a), func(f *fig) { f.waits = append(f.waits, w) })
	}
	tk.lastCall, tk.state, tk.counter, tk.toCounter = s.now, "called", a.Counter, ""
	s.l.current[a.Counter] = tk
}

// callNext completes the counter's ticket, if any, and calls the next.
func (s *script) callNext(a engine.Actor) string {
	r := s.do(a, protocol.Request{Op: protocol.OpCallNext})
	s.served(a)
	if r.Ticket == nil {
		return ""
	}
	s.called(a, r.Ticket.Number)
	return r.Ticket.Number
}

func (s *script) callTicket(a engine.Actor, number string) {
	s.do(a, protocol.Request{Op: protocol.OpCallTicket, Ticket: number})
	s.served(a)
	s.called(a, number)
}

func (s *script) recall(a engine.Actor, number string) {
	s.do(a, protocol.Request{Op: protocol.OpRecall, Ticket: number})
	s.served(a)
	s.called(a, number)
}

func (s *script) callAgain(a engine.Actor) {
	s.do(a, protocol.Request{Op: protocol.OpCallAgain})
	s.l.current[a.Counter].lastCall = s.now
}

func (s *script) complete(a engine.Actor) {
	s.do(a, protocol.Request{Op: protocol.OpComplete})
	s.served(a)
}

func (s *script) noShow(a engine.Actor) {
	s.do(a, protocol.Request{Op: protocol.OpNoShow, Reason: "vắng"})
	tk := s.l.current[a.Counter]
	s.l.count(s.l.day, tk.service, a.Counter, s.staff(a), func(f *fig) { f.noShows++ })
	tk.state = "done"
	delete(s.l.current, a.Counter)
}

func (s *script) park(a engine.Actor) {
	s.do(a, protocol.Request{Op: protocol.OpPark})
	s.l.current[a.Counter].state = "parked"
	delete(s.l.current, a.Counter)
}

// transfer sends the counter's ticket to a service or to a counter.
func (s *script) transfer(a engine.Actor, toService, toCounter string) {
	s.do(a, protocol.Request{Op: protocol.OpTransfer, ToService: toService, ToCounter: toCounter})
	tk := s.l.current[a.Counter]
	s.l.count(s.l.day, tk.service, a.Counter, s.staff(a), func(f *fig) { f.transferred++ })
	if toService != "" {
		tk.service = toService
	}
	tk.toCounter, tk.state, tk.queued, tk.called = toCounter, "waiting", s.now, false
	delete(s.l.current, a.Counter)
}

func (s *script) rate(a engine.Actor, r protocol.Rating) {
	s.do(a, protocol.Request{Op: protocol.OpRate, Rating: r})
	tk := s.l.last[a.Counter]
	tk.rating = &lrating{r: r, service: tk.service, counter: a.Counter, staff: s.staff(a), day: s.l.day}
}

// expect is the ledger's row for key over days.
func (l *ledger) expect(by report.By, key string, days []string) report.Row {
	var all fig
	all.ratings = map[protocol.Rating]int{}
	for _, d := range days {
		if f := l.figs[string(by)+"/"+key+"/"+d]; f != nil {
			all.add(f)
		}
	}
	for _, tk := range l.order {
		if r := tk.rating; r != nil && slices.Contains(days, r.day) &&
			map[report.By]string{report.ByService: r.service, report.ByCounter: r.counter, report.ByStaff: r.staff}[by] == key {
			all.ratings[r.r]++
		}
	}
	return all.row(key)
}

// total is the ledger's total over days: every service's figures.
func (l *ledger) total(days []string) report.Row {
	var all fig
	all.ratings = map[protocol.Rating]int{}
	for k, f := range l.figs {
		by, rest, _ := strings.Cut(k, "/")
		if by != string(report.ByService) || !slices.Contains(days, rest[strings.LastIndex(rest, "/")+1:]) {
			continue
		}
		all.add(f)
	}
	for _, tk := range l.order {
		if r := tk.rating; r != nil && slices.Contains(days, r.day) {
			all.ratings[r.r]++
		}
	}
	return all.row("")
}

// keys are the keys the ledger has figures or ratings for.
func (l *ledger) keys(by report.By, days []string) []string {
	var keys []string
	for k := range l.figs {
		b, rest, _ := strings.Cut(k, "/")
		i := strings.LastIndex(rest, "/")
		if b == string(by) && slices.Contains(days, rest[i+1:]) && !slices.Contains(keys, rest[:i]) {
			keys = append(keys, rest[:i])
		}
	}
	return keys
}

// row computes a report row from raw figures: means truncated to the
// nanosecond, the 90th percentile by nearest rank.
// add adds another's counts, waits and service times to f's; not its
// ratings, which the ledger counts by ticket.
func (f *fig) add(another *fig) {
	f.issued += another.issued
	f.served += another.served
	f.noShows += another.noShows
	f.transferred += another.transferred
	f.waits = append(f.waits, another.waits...)
	f.service = append(f.service, another.service...)
}

func (f *fig) row(key string) report.Row {
	r := report.Row{Key: key, Issued: f.issued, Served: f.served, NoShows: f.noShows, Transferred: f.transferred,
		Waits: len(f.waits), Ratings: map[protocol.Rating]int{}}
	if n := len(f.waits); n > 0 {
		var sum time.Duration
		for _, w := range f.waits {
			sum += w
		}
		r.MeanWait = sum / time.Duration(n)
		w := slices.Clone(f.waits)
		slices.Sort(w)
		for _, x := range w { // the smallest wait that 90% are at or under
			if 10*countAtMost(w, x) >= 9*n {
				r.P90Wait = x
				break
			}
		}
	}
	if n := len(f.service); n > 0 {
		var sum time.Duration
		for _, d := range f.service {
			sum += d
		}
		r.MeanService = sum / time.Duration(n)
	}
	rated := 0
	for _, rt := range protocol.Ratings {
		r.Ratings[rt] = f.ratings[rt]
		rated += f.ratings[rt]
	}
	if rated > 0 {
		r.Score = 100 * float64(f.ratings[protocol.RatingVerySatisfied]+f.ratings[protocol.RatingSatisfied]) / float64(rated)
	}
	return r
}

func countAtMost(sorted []time.Duration, x time.Duration) int {
	n := 0
	for _, w := range sorted {
		if w <= x {
			n++
		}
	}
	return n
}

// sameRow reports the differences between a report's row and the ledger's.
func sameRow(got, want report.Row) []string {
	var diffs []string
	check := func(name string, g, w any) {
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s %v, want %v", name, g, w))
		}
	}
	check("issued", got.Issued, want.Issued)
	check("served", got.Served, want.Served)
	check("no-shows", got.NoShows, want.NoShows)
	check("transferred", got.Transferred, want.Transferred)
	check("waits", got.Waits, want.Waits)
	check("mean wait", got.MeanWait, want.MeanWait)
	check("p90 wait", got.P90Wait, want.P90Wait)
	check("mean service", got.MeanService, want.MeanService)
	for _, rt := range protocol.Ratings {
		check(string(rt), got.Ratings[rt], want.Ratings[rt])
	}
	check("score", got.Score, want.Score)
	return diffs
}

// compareReport checks every row, the total and the days of a report
// against the ledger.
func compareReport(t *testing.T, name string, r *report.Report, l *ledger, days []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, row := range r.Rows {
		seen[row.Key] = true
		want := l.expect(r.By, row.Key, days)
		if r.By != report.ByService {
			want.Issued = 0
		}
		if d := sameRow(row, want); d != nil {
			t.Errorf("%s: %s %q: %s", name, r.By, row.Key, strings.Join(d, "; "))
		}
	}
	for _, k := range l.keys(r.By, days) {
		if !seen[k] {
			if want := l.expect(r.By, k, days); len(sameRow(report.Row{}, want)) > 0 {
				t.Errorf("%s: no row for %s %q", name, r.By, k)
			}
		}
	}
	if d := sameRow(r.Total, l.total(days)); d != nil {
		t.Errorf("%s: total: %s", name, strings.Join(d, "; "))
	}
	for _, day := range r.Days {
		if d := sameRow(day, l.total([]string{day.Key})); d != nil {
			t.Errorf("%s: day %s: %s", name, day.Key, strings.Join(d, "; "))
		}
	}
}

// hold takes a held ticket at kioskID: numbered, not yet in a citizen's
// hand, so not in the ledger.
func (s *script) hold(kioskID, service string) string {
	return s.do(kiosk(kioskID), protocol.Request{Op: protocol.OpTicket, Service: service, Hold: true}).Ticket.Number
}

// printed confirms a held or voided ticket: from now on the citizen holds
// it, and it counts as issued at its issue time.
func (s *script) printed(kioskID, number string, issued time.Time) {
	r := s.do(kiosk(kioskID), protocol.Request{Op: protocol.OpPrinted, Ticket: number})
	s.newTicket(number, r.Ticket.Service, issued)
}

// void gives up a held ticket; the ledger never knew it.
func (s *script) void(kioskID, number string) {
	s.do(kiosk(kioskID), protocol.Request{Op: protocol.OpVoid, Ticket: number, Reason: "paper_out"})
}

// tick lets the engine void the held tickets whose hold ran out.
func (s *script) tick() { s.e.Tick(s.now) }

// A day with tickets whose print failed: voided by their kiosk or by the
// end of their hold, or confirmed late. The report counts no ghost: the
// engine calls no ticket the ledger does not know, and the figures are the
// ledger's, where only tickets in a citizen's hand are issued or waited.
func TestDayWithVoidedTickets(t *testing.T) {
	c := exampleCentre(t)
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, hcm)
	s := newScript(t, c, start)
	s.at(start)
	s.signIn("1", "lan")
	s.issue("kiosk-1", "A", "")
	s.at(start.Add(time.Minute))
	confirmed := s.hold("kiosk-1", "A")
	s.at(start.Add(2 * time.Minute))
	s.printed("kiosk-1", confirmed, start.Add(time.Minute))
	s.at(start.Add(3 * time.Minute))
	s.void("kiosk-1", s.hold("kiosk-1", "A"))
	s.at(start.Add(4 * time.Minute))
	s.hold("kiosk-2", "B") // nobody confirms it
	s.at(start.Add(5 * time.Minute))
	late := s.hold("kiosk-2", "A")
	s.commit()
	s.at(start.Add(5*time.Minute + c.Rules.HoldFor))
	s.tick() // voids B's and the late one
	s.commit()
	s.at(start.Add(6*time.Minute + c.Rules.HoldFor))
	s.printed("kiosk-2", late, start.Add(5*time.Minute)) // the citizen holds it after all
	// Counters 1 (A first) and 2 call until nobody waits; a voided ticket
	// called would be unknown to the ledger and fail the script.
	for _, id := range []string{"1", "1", "1", "1"} {
		s.at(s.now.Add(7 * time.Minute))
		s.callNext(keypad(id))
	}
	for _, id := range []string{"2", "3", "4", "5", "6", "7", "8"} {
		if n := s.callNext(keypad(id)); n != "" {
			t.Errorf("counter %s called %s, left by nobody", id, n)
		}
	}
	s.commit()

	mon := time.Date(2026, 11, 23, 12, 0, 0, 0, hcm)
	for _, by := range allBy {
		compareReport(t, "day "+string(by), build(t, s, report.Day, mon, by), s.l, []string{"2026-11-23"})
	}
	tot := build(t, s, report.Day, mon, report.ByService).Total
	if tot.Issued != 3 || tot.Served != 3 || tot.Waits != 3 || tot.NoShows != 0 {
		t.Errorf("total %+v, want 3 issued, served and waited (two voided, one void reinstated)", tot)
	}
}
