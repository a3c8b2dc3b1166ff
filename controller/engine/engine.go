package engine

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/protocol"
)

// Options configures an Engine.
type Options struct {
	Centre *config.Centre
	// Secret keys the tokens printed for ticket status links.
	Secret []byte
	// KeepRequests is how long a reply is kept for repeated keys; default 48h.
	KeepRequests time.Duration
	// RecentCalls is how many calls the board lists; default 10, at most
	// protocol.MaxBoardCalls.
	RecentCalls int
	// Policy orders the calls; nil is the default, NewBalance.
	Policy Policy
	// History seeds the learned service times and arrivals that the wait
	// predictor uses; nil starts from the configured mean service times.
	History *History
	// Samples is how many replays with drawn service times and arrivals
	// the printed wait is the middle of; 0 is DefaultSamples, below 0 one
	// replay with expected times (quicker, less accurate); Unpredicted none.
	Samples int
}

// Engine holds a centre's queues. It is not safe for concurrent use.
type Engine struct {
	opts     Options
	centre   *config.Centre
	services map[string]*queue
	counters map[string]*Counter
	day      string
	tickets  map[int64]*Ticket  // the day's tickets and older ones still open
	byNumber map[string]*Ticket // the day's tickets by number
	direct   map[string][]*Ticket
	parked   map[int64]*Ticket
	held     map[int64]*Ticket // waiting for their kiosk's printed or void
	requests map[string]*Request
	recent   []protocol.Call
	nextID   int64

	m model // learned times and rates, the policy, the predictor

	batch  Batch
	dirtyT map[int64]bool
	dirtyC map[string]bool
	dirtyS map[string]bool
}

// queue is one service's waiting line, split by class, each sorted by arrival.
type queue struct {
	cfg              *config.Service
	seq              int
	priority, normal []*Ticket
	served           int // tickets served today
	issued           int // tickets numbered by this service today, online or offline
}

func (q *queue) len() int { return len(q.priority) + len(q.normal) }

// first is the earliest of the two lines' first tickets, or nil.
func (q *queue) first() *Ticket {
	var first *Ticket
	for _, l := range [][]*Ticket{q.priority, q.normal} {
		if len(l) > 0 && (first == nil || earlier(l[0], first)) {
			first = l[0]
		}
	}
	return first
}

// New returns an Engine with no tickets, counters closed.
func New(opts Options) *Engine {
	if opts.KeepRequests == 0 {
		opts.KeepRequests = 48 * time.Hour
	}
	if opts.RecentCalls == 0 {
		opts.RecentCalls = 10
	}
	opts.RecentCalls = min(opts.RecentCalls, protocol.MaxBoardCalls)
	e := &Engine{opts: opts, centre: opts.Centre}
	e.reset()
	e.initModel(opts)
	return e
}

func (e *Engine) reset() {
	e.services = map[string]*queue{}
	for i := range e.centre.Services {
		s := &e.centre.Services[i]
		e.services[s.ID] = &queue{cfg: s}
	}
	e.counters = map[string]*Counter{}
	for _, c := range e.centre.Counters {
		skills := make([]Skill, 0, len(c.Services))
		for _, s := range c.Services {
			skills = append(skills, Skill{Service: s.Service, Level: s.Level})
		}
		sortSkills(skills)
		e.counters[c.ID] = &Counter{ID: c.ID, Skills: skills, Status: protocol.CounterClosed}
	}
	e.tickets = map[int64]*Ticket{}
	e.byNumber = map[string]*Ticket{}
	e.direct = map[string][]*Ticket{}
	e.parked = map[int64]*Ticket{}
	e.held = map[int64]*Ticket{}
	e.requests = map[string]*Request{}
	e.recent = nil
	e.nextID = 1
	e.batch = Batch{}
	e.dirtyT, e.dirtyC, e.dirtyS = map[int64]bool{}, map[string]bool{}, map[string]bool{}
}

func sortSkills(s []Skill) {
	slices.SortStableFunc(s, func(a, b Skill) int { return cmp.Compare(a.Level, b.Level) })
}

// Day is the local day the engine numbers for.
func (e *Engine) Day() string { return e.day }

// Restore replaces the engine's state by a committed snapshot. Open tickets of
// an earlier day are ended by the next command or Tick.
func (e *Engine) Restore(s *Snapshot) {
	e.reset()
	e.day = s.Day
	e.nextID = max(s.NextID, 1)
	for _, sq := range s.Seqs {
		if q := e.services[sq.Service]; q != nil && sq.Day == e.day {
			q.seq = sq.N
		}
	}
	for _, c := range s.Counters {
		if cur := e.counters[c.ID]; cur != nil {
			c := *c
			c.Since = c.Since.In(e.centre.Location)
			if len(c.Skills) == 0 {
				c.Skills = cur.Skills
			}
			e.counters[c.ID] = &c
		}
	}
	var called []*Ticket
	loc := e.centre.Location
	for _, t := range s.Tickets {
		t := *t
		t.Issued, t.Arrived, t.Queued = t.Issued.In(loc), t.Arrived.In(loc), t.Queued.In(loc)
		t.Called, t.Finished = t.Called.In(loc), t.Finished.In(loc)
		e.tickets[t.ID] = &t
		if t.Day == e.day {
			e.byNumber[t.Number] = &t
			if q := e.services[t.Service]; q != nil && t.Outcome == Served {
				q.served++
			}
			if q := e.numberedBy(t.Number); q != nil && counted(&t) {
				q.issued++
			}
		}
		switch t.State {
		case Held:
			e.held[t.ID] = &t
		case Waiting:
			e.enqueue(&t)
		case Parked:
			e.parked[t.ID] = &t
		}
		if t.Calls > 0 && t.Day == e.day {
			called = append(called, &t)
		}
		e.nextID = max(e.nextID, t.ID+1)
	}
	slices.SortFunc(called, func(a, b *Ticket) int { return b.Called.Compare(a.Called) })
	for _, t := range called[:min(len(called), e.opts.RecentCalls)] {
		e.recent = append(e.recent, e.call(t))
	}
	for _, r := range s.Requests {
		r := r
		e.requests[requestKey(r.Device, r.Key)] = &r
	}
	e.relearn()
}

func requestKey(device, key string) string { return device + "\x00" + key }

// Flush returns what changed since the last Flush, in order, and forgets it.
func (e *Engine) Flush() Batch {
	b := e.batch
	e.batch = Batch{}
	clear(e.dirtyT)
	clear(e.dirtyC)
	clear(e.dirtyS)
	return b
}

func (e *Engine) touchTicket(t *Ticket) {
	if !e.dirtyT[t.ID] {
		e.dirtyT[t.ID] = true
		e.batch.Tickets = append(e.batch.Tickets, t)
	}
	e.touchService(t.Service)
}

func (e *Engine) touchCounter(c *Counter) {
	if !e.dirtyC[c.ID] {
		e.dirtyC[c.ID] = true
		e.batch.Counters = append(e.batch.Counters, c)
	}
	e.batch.Board = true
}

func (e *Engine) touchService(id string) {
	if !e.dirtyS[id] {
		e.dirtyS[id] = true
		e.batch.Services = append(e.batch.Services, id)
	}
}

// Note records an event that no command of the engine makes, such as a
// staff member signing in at a counter; it is committed with the next Flush.
func (e *Engine) Note(now time.Time, kind, counter string, actor Actor, detail string) {
	e.rollover(now)
	e.event(now, kind, nil, counter, actor, detail)
}

func (e *Engine) event(now time.Time, kind string, t *Ticket, counter string, actor Actor, detail string) {
	ev := Event{At: now, Kind: kind, Counter: counter, Actor: actor.Device, Detail: detail}
	if t != nil {
		ev.Ticket, ev.Number, ev.Service = t.ID, t.Number, t.Service
	}
	e.batch.Events = append(e.batch.Events, ev)
}

// Tick ends the day when local midnight has passed, and voids the held
// tickets whose hold has run out. The controller calls it periodically so
// that both happen even when nobody sends a command.
func (e *Engine) Tick(now time.Time) {
	e.rollover(now)
	e.expire(now)
}

// counted reports whether a ticket of the day counts as issued: one that
// reached a citizen, so neither held nor voided.
func counted(t *Ticket) bool { return t.State != Held && t.Outcome != Voided }

// HoldFor is how long a held ticket waits for its kiosk's confirmation:
// Rules.HoldFor, or config.DefaultHoldFor for a centre built without it.
func (e *Engine) HoldFor() time.Duration {
	if d := e.centre.Rules.HoldFor; d > 0 {
		return d
	}
	return config.DefaultHoldFor
}

// expire voids the held tickets issued HoldFor or longer before now: their
// kiosk never said the citizen has them.
func (e *Engine) expire(now time.Time) {
	hold := e.HoldFor()
	var due []*Ticket
	for _, t := range e.held {
		if !now.Before(t.Issued.Add(hold)) {
			due = append(due, t)
		}
	}
	// In issue order, so that the events read in the order of the deadlines.
	slices.SortFunc(due, issueOrder)
	for _, t := range due {
		e.void(now, Actor{}, t, fmt.Sprintf("not printed within %s", hold))
	}
}

// void ends a held ticket as Voided.
func (e *Engine) void(now time.Time, actor Actor, t *Ticket, reason string) {
	delete(e.held, t.ID)
	t.State, t.Outcome, t.Finished = Done, Voided, now
	e.touchTicket(t)
	e.event(now, "voided", t, "", actor, reason)
}

func (e *Engine) rollover(now time.Time) {
	day := e.centre.Day(now)
	if day == e.day {
		return
	}
	if e.day != "" && day < e.day {
		// The clock went back across midnight: keep numbering on the later
		// day rather than reuse numbers.
		return
	}
	for _, t := range e.tickets {
		if t.State != Done {
			// Held tickets too: a number of yesterday is called by nobody.
			t.State, t.Outcome, t.Finished, t.ToCounter = Done, Reset, now, ""
			e.touchTicket(t)
			e.event(now, "reset", t, t.Counter, Actor{}, "")
		}
	}
	for _, c := range e.counters {
		if c.Status != protocol.CounterClosed || c.Current != 0 || c.Last != 0 || c.PriorityRun != 0 {
			c.Status, c.Current, c.Last, c.PriorityRun, c.Since = protocol.CounterClosed, 0, 0, 0, now
			e.touchCounter(c)
		}
		// A counter moved during the day starts the next one with its
		// configured services: a move answers a day's load.
		if cc, ok := e.centre.Counter(c.ID); ok && e.day != "" {
			if want := configured(cc.Services); !slices.Equal(c.Skills, want) {
				c.Skills = want
				e.touchCounter(c)
				e.event(now, "reassigned", nil, c.ID, Actor{}, skillNames(want)+" (new day)")
			}
		}
	}
	for id, q := range e.services {
		q.seq, q.served, q.issued, q.priority, q.normal = 0, 0, 0, nil, nil
		e.touchService(id)
	}
	clear(e.tickets)
	clear(e.byNumber)
	clear(e.direct)
	clear(e.parked)
	clear(e.held)
	e.recent = nil
	e.batch.Board = true
	for k, r := range e.requests {
		if now.Sub(r.At) > e.opts.KeepRequests {
			delete(e.requests, k)
		}
	}
	if e.day != "" {
		e.m.newDay()
	}
	e.day = day
}

// Handle applies one request from actor and returns the reply. A key the
// actor used before gets the reply it got then, and changes nothing.
func (e *Engine) Handle(now time.Time, actor Actor, req protocol.Request) protocol.Reply {
	k := requestKey(actor.Device, req.Key)
	if r, ok := e.requests[k]; ok {
		return r.Reply
	}
	e.rollover(now)
	e.expire(now)
	reply := e.apply(now, actor, req)
	reply.V, reply.Key, reply.Op = protocol.Version, req.Key, req.Op
	reply.OK = reply.Error == nil
	r := Request{Device: actor.Device, Key: req.Key, At: now, Reply: reply}
	e.requests[k] = &r
	e.batch.Requests = append(e.batch.Requests, r)
	return reply
}

// Refuse keeps reply, a refusal made before the engine (a request that
// could not be decoded), under its key, so that a repeat of the key gets
// it again as any other reply; a key used before gets the reply it got
// then. A refusal without a key cannot be kept and is returned as is.
func (e *Engine) Refuse(now time.Time, actor Actor, reply protocol.Reply) protocol.Reply {
	if reply.Key == "" {
		return reply
	}
	k := requestKey(actor.Device, reply.Key)
	if r, ok := e.requests[k]; ok {
		return r.Reply
	}
	r := Request{Device: actor.Device, Key: reply.Key, At: now, Reply: reply}
	e.requests[k] = &r
	e.batch.Requests = append(e.batch.Requests, r)
	return reply
}

func fail(code, format string, args ...any) protocol.Reply {
	return protocol.Reply{Error: &protocol.Error{Code: code, Message: fmt.Sprintf(format, args...)}}
}

func (e *Engine) apply(now time.Time, actor Actor, req protocol.Request) protocol.Reply {
	switch req.Op {
	case protocol.OpTicket, protocol.OpOfflineTicket, protocol.OpPrinted, protocol.OpVoid:
		if actor.Kind != protocol.DeviceKiosk {
			return fail(protocol.CodeNotAllowed, "%s %q may not issue tickets", actor.Kind, actor.Device)
		}
		switch req.Op {
		case protocol.OpOfflineTicket:
			return e.offline(now, actor, req)
		case protocol.OpPrinted:
			return e.printed(now, actor, req.Ticket)
		case protocol.OpVoid:
			return e.voidRequest(now, actor, req.Ticket, req.Reason)
		}
		return e.issue(now, actor, req)
	}
	if actor.Counter == "" {
		return fail(protocol.CodeNotAllowed, "%s %q is not bound to a counter", actor.Kind, actor.Device)
	}
	if req.Counter != "" && req.Counter != actor.Counter {
		return fail(protocol.CodeNotAllowed, "%q acts for counter %s, not counter %s", actor.Device, actor.Counter, req.Counter)
	}
	c := e.counters[actor.Counter]
	if c == nil {
		return fail(protocol.CodeUnknownCounter, "no counter %s at this centre", actor.Counter)
	}
	if c.Status == protocol.CounterClosed {
		c.Status, c.Since = protocol.CounterIdle, now
		e.touchCounter(c)
	}
	var r protocol.Reply
	switch req.Op {
	case protocol.OpCallNext:
		r = e.callNext(now, actor, c)
	case protocol.OpCallAgain:
		r = e.callAgain(now, actor, c)
	case protocol.OpComplete:
		r = e.finish(now, actor, c, Served, "")
	case protocol.OpNoShow:
		r = e.finish(now, actor, c, NoShow, req.Reason)
	case protocol.OpTransfer:
		r = e.transfer(now, actor, c, req.ToService, req.ToCounter)
	case protocol.OpPark:
		r = e.park(now, actor, c)
	case protocol.OpRecall:
		r = e.recall(now, actor, c, req.Ticket)
	case protocol.OpCallTicket:
		r = e.callTicket(now, actor, c, req.Ticket)
	case protocol.OpPause:
		r = e.pause(now, actor, c, req.Reason)
	case protocol.OpResume:
		r = e.resume(now, actor, c)
	case protocol.OpRate:
		r = e.rate(now, actor, c, req.Rating)
	default:
		return fail(protocol.CodeInvalid, "unknown operation %q", req.Op)
	}
	if r.Counter == nil && r.Error == nil {
		s := e.CounterState(c.ID)
		r.Counter = &s
	}
	return r
}

func (e *Engine) issue(now time.Time, actor Actor, req protocol.Request) protocol.Reply {
	q := e.services[req.Service]
	if q == nil {
		return fail(protocol.CodeUnknownService, "no service %q at this centre", req.Service)
	}
	// Skip the kiosks' offline blocks, and any number an offline kiosk
	// used already.
	number := ""
	for number == "" || e.byNumber[number] != nil || e.reserved(q.seq) {
		q.seq++
		number = e.number(q, q.seq)
	}
	e.batch.Seqs = append(e.batch.Seqs, Seq{Day: e.day, Service: q.cfg.ID, N: q.seq})
	t := &Ticket{
		ID: e.nextID, Day: e.day, Number: number, Service: q.cfg.ID,
		Priority: req.Priority, Lang: req.Lang, Kiosk: actor.Device,
		Issued: now, Arrived: now, Queued: now, State: Waiting,
	}
	e.nextID++
	t.Token = e.token(t)
	t.Ahead, t.Wait = e.admit(now, q, t)
	e.tickets[t.ID] = t
	e.byNumber[t.Number] = t
	if req.Hold {
		// Numbered and told its wait, but in no queue and counted nowhere
		// until the kiosk says the citizen has it.
		t.State = Held
		e.held[t.ID] = t
		e.touchTicket(t)
		e.event(now, "held", t, "", actor, string(t.Priority))
		return protocol.Reply{Ticket: e.view(t)}
	}
	q.issued++
	e.enqueue(t)
	e.touchTicket(t)
	e.event(now, "issued", t, "", actor, string(t.Priority))
	return protocol.Reply{Ticket: e.view(t)}
}

// kioskTicket is today's ticket number issued by actor, or the refusal.
func (e *Engine) kioskTicket(actor Actor, number string) (*Ticket, *protocol.Reply) {
	t := e.byNumber[number]
	if t == nil {
		r := fail(protocol.CodeUnknownTicket, "no ticket %s today", number)
		return nil, &r
	}
	if t.Kiosk != actor.Device {
		r := fail(protocol.CodeNotAllowed, "ticket %s was issued by %s, not by %s", number, t.Kiosk, actor.Device)
		return nil, &r
	}
	return t, nil
}

// printed is the kiosk's word that the citizen holds ticket number: a held
// ticket joins its queue in its place by issue time, as if it had never
// been held; a voided one is reinstated so, since the paper is in a
// citizen's hand. Any other state is left alone: the kiosk repeats itself.
func (e *Engine) printed(now time.Time, actor Actor, number string) protocol.Reply {
	t, refused := e.kioskTicket(actor, number)
	if refused != nil {
		return *refused
	}
	detail := string(t.Priority)
	switch {
	case t.State == Held:
		delete(e.held, t.ID)
	case t.State == Done && t.Outcome == Voided:
		t.Outcome, t.Finished = "", time.Time{}
	default:
		return protocol.Reply{Ticket: e.view(t)}
	}
	t.State = Waiting
	if q := e.numberedBy(t.Number); q != nil {
		q.issued++
	}
	e.enqueue(t)
	e.touchTicket(t)
	// Counted as issued from now: the reports and the city's figures see
	// it once, whether or not it was voided in between.
	e.event(now, "issued", t, "", actor, detail)
	return protocol.Reply{Ticket: e.view(t)}
}

// voidRequest is the kiosk's word that held ticket number will never reach
// the citizen. A ticket already in a citizen's hand is not the kiosk's to
// void.
func (e *Engine) voidRequest(now time.Time, actor Actor, number, reason string) protocol.Reply {
	t, refused := e.kioskTicket(actor, number)
	if refused != nil {
		return *refused
	}
	switch {
	case t.State == Held:
		e.void(now, actor, t, reason)
	case t.State == Done && t.Outcome == Voided:
	default:
		return fail(protocol.CodeConflict, "ticket %s is %s: it reached the citizen and cannot be voided", number, t.State)
	}
	return protocol.Reply{Ticket: e.view(t)}
}

// numberedBy is the service whose prefix starts number: the one that
// numbered it, whatever service it was transferred to since. No prefix
// starts another, so there is one at most.
func (e *Engine) numberedBy(number string) *queue {
	for _, q := range e.services {
		if strings.HasPrefix(number, q.cfg.Prefix) {
			return q
		}
	}
	return nil
}

func (e *Engine) number(q *queue, n int) string {
	return fmt.Sprintf("%s%0*d", q.cfg.Prefix, q.cfg.Width, n)
}

// reserved reports whether running number n lies in a kiosk's offline block.
func (e *Engine) reserved(n int) bool {
	for _, d := range e.centre.Devices {
		if d.Offline != nil && d.Offline.Contains(n) {
			return true
		}
	}
	return false
}

// offline files a ticket a kiosk numbered and printed while it could not
// reach the controller. It joins its queue by its issue time, as if it had
// been issued online then. The citizen holds it already, so it is refused
// only when it cannot be served: a number of an earlier day, or one that is
// taken (which a correct configuration of offline blocks rules out).
func (e *Engine) offline(now time.Time, actor Actor, req protocol.Request) protocol.Reply {
	q := e.services[req.Service]
	if q == nil {
		return fail(protocol.CodeUnknownService, "no service %q at this centre", req.Service)
	}
	day := e.centre.Day(req.Issued)
	if day != e.day {
		return fail(protocol.CodeConflict, "ticket %s was issued on %s; today is %s", req.Ticket, day, e.day)
	}
	if other := e.byNumber[req.Ticket]; other != nil {
		return fail(protocol.CodeConflict, "number %s is taken already (by %s); check the kiosks' offline blocks", req.Ticket, other.Kiosk)
	}
	if !strings.HasPrefix(req.Ticket, q.cfg.Prefix) {
		return fail(protocol.CodeConflict, "number %s is not a number of service %s", req.Ticket, q.cfg.ID)
	}
	if !e.inOfflineBlock(actor, q, req.Ticket) {
		return fail(protocol.CodeNotAllowed, "number %s is not in the offline block of %s; check the kiosk's offline block against the centre's configuration",
			req.Ticket, actor.Device)
	}
	t := &Ticket{
		ID: e.nextID, Day: e.day, Number: req.Ticket, Service: q.cfg.ID,
		Priority: req.Priority, Lang: req.Lang, Kiosk: actor.Device,
		Issued: req.Issued, Arrived: req.Issued, Queued: req.Issued, State: Waiting,
	}
	e.nextID++
	t.Token = e.token(t)
	t.Ahead, t.Wait = e.admit(now, q, t)
	q.issued++
	e.tickets[t.ID] = t
	e.byNumber[t.Number] = t
	e.enqueue(t)
	e.touchTicket(t)
	e.event(now, "issued_offline", t, "", actor, string(t.Priority))
	if req.Replaces != "" {
		e.replace(now, actor, req.Replaces, t)
	}
	return protocol.Reply{Ticket: e.view(t)}
}

// inOfflineBlock reports whether number, of service q, is one the kiosk
// may give out by itself: a running number of its own offline block,
// written as the controller writes it. Another kiosk's block, the online
// range or a number padded otherwise could be given to a second citizen.
func (e *Engine) inOfflineBlock(actor Actor, q *queue, number string) bool {
	d, ok := e.centre.Device(actor.Device)
	if !ok || d.Offline == nil {
		return false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(number, q.cfg.Prefix))
	return err == nil && d.Offline.Contains(n) && e.number(q, n) == number
}

// replace makes sure the ticket request with key gave the citizen no second
// ticket: a ticket it issued and nobody called yet ends as replaced, and if
// it has not arrived yet, it will be refused when it does.
func (e *Engine) replace(now time.Time, actor Actor, key string, by *Ticket) {
	k := requestKey(actor.Device, key)
	if r, ok := e.requests[k]; ok {
		if r.Reply.Ticket == nil {
			return
		}
		t := e.byNumber[r.Reply.Ticket.Number]
		if t != nil && t.State == Held {
			// Never printed, never counted: voided rather than replaced.
			e.void(now, actor, t, "replaced by "+by.Number)
			return
		}
		if t != nil && t.State == Waiting {
			e.dequeue(t)
			t.State, t.Outcome, t.Finished = Done, Replaced, now
			e.touchTicket(t)
			e.event(now, "replaced", t, "", actor, "by "+by.Number)
		}
		return
	}
	reply := fail(protocol.CodeConflict, "replaced by offline ticket %s", by.Number)
	reply.V, reply.Key, reply.Op, reply.OK = protocol.Version, key, protocol.OpTicket, false
	r := Request{Device: actor.Device, Key: key, At: now, Reply: reply}
	e.requests[k] = &r
	e.batch.Requests = append(e.batch.Requests, r)
}

// token is a short code for the ticket's status link that cannot be guessed
// from its number.
func (e *Engine) token(t *Ticket) string {
	m := hmac.New(sha256.New, e.opts.Secret)
	m.Write([]byte(e.centre.ID + "/" + t.Day + "/" + t.Number))
	return strings.ToLower(base32.StdEncoding.EncodeToString(m.Sum(nil))[:10])
}

func (e *Engine) view(t *Ticket) *protocol.Ticket {
	return &protocol.Ticket{
		Number: t.Number, Service: t.Service, Priority: t.Priority, Lang: t.Lang,
		Ahead: t.Ahead, WaitSeconds: int(t.Wait / time.Second), Issued: t.Issued,
		Day: t.Day, Token: t.Token,
	}
}

func (e *Engine) enqueue(t *Ticket) {
	less := func(a, b *Ticket) int {
		if c := a.Arrived.Compare(b.Arrived); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	insert := func(s []*Ticket) []*Ticket {
		i, _ := slices.BinarySearchFunc(s, t, less)
		return slices.Insert(s, i, t)
	}
	switch {
	case t.ToCounter != "":
		s := e.direct[t.ToCounter]
		e.direct[t.ToCounter] = append(s, t) // by transfer time
	case t.priority():
		q := e.services[t.Service]
		q.priority = insert(q.priority)
	default:
		q := e.services[t.Service]
		q.normal = insert(q.normal)
	}
}

func (e *Engine) dequeue(t *Ticket) {
	drop := func(s []*Ticket) []*Ticket {
		return slices.DeleteFunc(s, func(x *Ticket) bool { return x == t })
	}
	if t.ToCounter != "" {
		e.direct[t.ToCounter] = drop(e.direct[t.ToCounter])
		return
	}
	if q := e.services[t.Service]; q != nil {
		if t.priority() {
			q.priority = drop(q.priority)
		} else {
			q.normal = drop(q.normal)
		}
	}
}

// next picks the ticket counter c calls next, by the package's ordering
// rules: a ticket transferred to it by name, else what the policy picks.
func (e *Engine) next(now time.Time, c *Counter) (*Ticket, Rule) {
	if d := e.direct[c.ID]; len(d) > 0 {
		return d[0], RuleTransferred
	}
	return e.pick(now, c)
}

func earlier(a, b *Ticket) bool {
	if c := a.Arrived.Compare(b.Arrived); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}

func (e *Engine) current(c *Counter) *Ticket {
	if c.Current == 0 {
		return nil
	}
	return e.tickets[c.Current]
}

// complete ends the counter's current ticket as served, if there is one.
func (e *Engine) complete(now time.Time, actor Actor, c *Counter) {
	if t := e.current(c); t != nil {
		e.end(now, actor, c, t, Served, "")
	}
}

func (e *Engine) end(now time.Time, actor Actor, c *Counter, t *Ticket, o Outcome, detail string) {
	e.m.served(t.Service, c.ID, now.Sub(t.Called))
	t.State, t.Outcome, t.Finished = Done, o, now
	e.touchTicket(t)
	e.event(now, string(o), t, c.ID, actor, detail)
	if o == Served {
		c.Last = t.ID
		e.services[t.Service].served++
	}
	c.Current, c.Status, c.Since = 0, protocol.CounterIdle, now
	e.touchCounter(c)
}

// take makes t the current ticket of c and announces it.
func (e *Engine) take(now time.Time, actor Actor, c *Counter, t *Ticket, kind string, rule Rule) protocol.Reply {
	switch t.State {
	case Waiting:
		e.dequeue(t)
	case Parked:
		delete(e.parked, t.ID)
	}
	t.State, t.Counter, t.ToCounter, t.Called = Called, c.ID, "", now
	t.Calls++
	if t.priority() {
		c.PriorityRun++
	} else {
		c.PriorityRun = 0
	}
	c.Current, c.Status, c.Since = t.ID, protocol.CounterServing, now
	c.Status = protocol.CounterServing
	e.touchTicket(t)
	e.touchCounter(c)
	e.event(now, kind, t, c.ID, actor, string(rule))
	e.announce(now, t, c)
	return protocol.Reply{Ticket: e.view(t)}
}

func (e *Engine) call(t *Ticket) protocol.Call {
	return protocol.Call{V: protocol.Version, Ticket: t.Number, Service: t.Service, Counter: t.Counter, At: t.Called, Repeat: max(t.Calls-1, 0)}
}

func (e *Engine) announce(now time.Time, t *Ticket, c *Counter) {
	call := e.call(t)
	e.batch.Calls = append(e.batch.Calls, call)
	e.recent = append([]protocol.Call{call}, e.recent[:min(len(e.recent), e.opts.RecentCalls-1)]...)
	e.batch.Board = true
}

func (e *Engine) callNext(now time.Time, actor Actor, c *Counter) protocol.Reply {
	e.complete(now, actor, c)
	if c.Status == protocol.CounterPaused {
		c.Status, c.Since = protocol.CounterIdle, now
		e.touchCounter(c)
		e.event(now, "resumed", nil, c.ID, actor, "")
	}
	t, rule := e.next(now, c)
	if t == nil {
		return protocol.Reply{}
	}
	return e.take(now, actor, c, t, "called", rule)
}

func (e *Engine) callAgain(now time.Time, actor Actor, c *Counter) protocol.Reply {
	t := e.current(c)
	if t == nil {
		return fail(protocol.CodeNoTicket, "counter %s has no current ticket to call again", c.ID)
	}
	t.Calls++
	t.Called = now
	e.touchTicket(t)
	e.event(now, "called_again", t, c.ID, actor, "")
	e.announce(now, t, c)
	return protocol.Reply{Ticket: e.view(t)}
}

func (e *Engine) finish(now time.Time, actor Actor, c *Counter, o Outcome, detail string) protocol.Reply {
	t := e.current(c)
	if t == nil {
		return fail(protocol.CodeNoTicket, "counter %s has no current ticket", c.ID)
	}
	e.end(now, actor, c, t, o, detail)
	return protocol.Reply{Ticket: e.view(t)}
}

func (e *Engine) transfer(now time.Time, actor Actor, c *Counter, toService, toCounter string) protocol.Reply {
	t := e.current(c)
	if t == nil {
		return fail(protocol.CodeNoTicket, "counter %s has no current ticket to transfer", c.ID)
	}
	from, detail := t.Service, ""
	switch {
	case toService != "":
		if e.services[toService] == nil {
			return fail(protocol.CodeUnknownService, "no service %q at this centre", toService)
		}
		e.touchService(t.Service)
		t.Service, detail = toService, "service "+toService
	default:
		if e.counters[toCounter] == nil {
			return fail(protocol.CodeUnknownCounter, "no counter %s at this centre", toCounter)
		}
		if toCounter == c.ID {
			return fail(protocol.CodeConflict, "ticket %s is already at counter %s", t.Number, c.ID)
		}
		t.ToCounter, detail = toCounter, "counter "+toCounter
	}
	t.State, t.Queued = Waiting, now
	e.enqueue(t)
	e.touchTicket(t)
	// The event belongs to the service the ticket leaves, as the visit
	// that ends here does; its detail names where the ticket goes.
	e.event(now, "transferred", t, c.ID, actor, detail)
	e.batch.Events[len(e.batch.Events)-1].Service = from
	c.Current, c.Status, c.Since = 0, protocol.CounterIdle, now
	e.touchCounter(c)
	return protocol.Reply{Ticket: e.view(t)}
}

func (e *Engine) park(now time.Time, actor Actor, c *Counter) protocol.Reply {
	t := e.current(c)
	if t == nil {
		return fail(protocol.CodeNoTicket, "counter %s has no current ticket to park", c.ID)
	}
	t.State = Parked
	e.parked[t.ID] = t
	e.touchTicket(t)
	e.event(now, "parked", t, c.ID, actor, "")
	c.Current, c.Status, c.Since = 0, protocol.CounterIdle, now
	e.touchCounter(c)
	return protocol.Reply{Ticket: e.view(t)}
}

func (e *Engine) recall(now time.Time, actor Actor, c *Counter, number string) protocol.Reply {
	t := e.byNumber[number]
	if t == nil || t.State != Parked || t.Counter != c.ID {
		return fail(protocol.CodeUnknownTicket, "no ticket %s parked at counter %s", number, c.ID)
	}
	e.complete(now, actor, c)
	return e.take(now, actor, c, t, "recalled", "")
}

func (e *Engine) callTicket(now time.Time, actor Actor, c *Counter, number string) protocol.Reply {
	t := e.byNumber[number]
	if t == nil {
		return fail(protocol.CodeUnknownTicket, "no ticket %s today", number)
	}
	if t.State != Waiting {
		return fail(protocol.CodeConflict, "ticket %s is %s, not waiting", number, t.State)
	}
	if t.ToCounter != "" && t.ToCounter != c.ID {
		return fail(protocol.CodeNotAllowed, "ticket %s waits for counter %s", number, t.ToCounter)
	}
	if t.ToCounter == "" && !slices.ContainsFunc(c.Skills, func(s Skill) bool { return s.Service == t.Service }) {
		return fail(protocol.CodeNotAllowed, "counter %s does not serve %s", c.ID, t.Service)
	}
	e.complete(now, actor, c)
	return e.take(now, actor, c, t, "called_out_of_order", "")
}

func (e *Engine) pause(now time.Time, actor Actor, c *Counter, reason string) protocol.Reply {
	if t := e.current(c); t != nil {
		return fail(protocol.CodeConflict, "finish ticket %s first: complete, park or transfer it", t.Number)
	}
	if c.Status != protocol.CounterPaused {
		c.Status, c.Since = protocol.CounterPaused, now
		e.touchCounter(c)
		e.event(now, "paused", nil, c.ID, actor, reason)
	}
	return protocol.Reply{}
}

func (e *Engine) resume(now time.Time, actor Actor, c *Counter) protocol.Reply {
	if c.Status == protocol.CounterPaused {
		c.Status, c.Since = protocol.CounterIdle, now
		e.touchCounter(c)
		e.event(now, "resumed", nil, c.ID, actor, "")
	}
	return protocol.Reply{}
}

func (e *Engine) rate(now time.Time, actor Actor, c *Counter, r protocol.Rating) protocol.Reply {
	t := e.tickets[c.Last]
	if t == nil {
		return fail(protocol.CodeNoTicket, "counter %s has served no ticket to rate", c.ID)
	}
	t.Rating = r
	e.touchTicket(t)
	e.event(now, "rated", t, c.ID, actor, string(r))
	return protocol.Reply{Ticket: e.view(t)}
}
