package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/time/rate"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/report"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/mqttwait"
	"github.com/sothutu/sothutu/protocol"
)

// Options configures an Uplink.
type Options struct {
	Centre     *config.Centre
	Store      *store.Store
	Controller *centre.Controller // the live values of the latest interval
	// Broker is the city's broker: "tcp://host:1883", or "ssl://host:8883"
	// for TLS with TLS (nil: the system's roots).
	Broker             string
	TLS                *tls.Config
	Username, Password string
	// ClientID defaults to Username.
	ClientID string
	// Interval is the span of a record; it divides the local day. Default 5m.
	Interval time.Duration
	// Rate is how many records a second are sent at most; default 2.
	Rate float64
	// Window is how many records may wait for their acknowledgement; default 8.
	Window int
	// ResendAfter is how long a record waits for its acknowledgement before
	// it is sent again; default 30s.
	ResendAfter time.Duration
	// Poll is how often the clock is read for intervals ended and the
	// store for records to send; default 1s.
	Poll time.Duration
	// Clock dates the records and times the waits between attempts to
	// subscribe to the acknowledgements; nil is the real one. Tests pass a
	// fake one, so that they move the centre's day on and do not sleep
	// through backoffs.
	Clock  clock.Clock
	Logger *slog.Logger
}

// The backoff between attempts to subscribe to the acknowledgements, and
// the wait for the broker's answer to one.
const (
	subscribeFirstRetry = time.Second
	subscribeMaxRetry   = 30 * time.Second
	subscribeWait       = 10 * time.Second
)

// Uplink makes and sends a centre's figures.
type Uplink struct {
	opts    Options
	log     *slog.Logger
	client  mqtt.Client
	session *mqttwait.Session
	limit   *rate.Limiter
	wake    chan struct{}
	first   time.Time // the first interval, before any record is made

	mu       sync.Mutex
	inFlight map[int64]time.Time // sent, not acknowledged: when last sent
	acked    []int64             // acknowledged, not yet recorded in the store
}

// New checks the options and returns an Uplink ready to Run.
func New(opts Options) (*Uplink, error) {
	if opts.Centre == nil || opts.Store == nil || opts.Broker == "" {
		return nil, errors.New("uplink.New: Centre, Store and Broker are required")
	}
	if opts.Interval == 0 {
		opts.Interval = 5 * time.Minute
	}
	if opts.Interval < time.Second || (24*time.Hour)%opts.Interval != 0 {
		return nil, fmt.Errorf("uplink.New: interval %s does not divide a day", opts.Interval)
	}
	if opts.Rate == 0 {
		opts.Rate = 2
	}
	if opts.Window == 0 {
		opts.Window = 8
	}
	if opts.ResendAfter == 0 {
		opts.ResendAfter = 30 * time.Second
	}
	if opts.Poll == 0 {
		opts.Poll = time.Second
	}
	opts.Clock = clock.Or(opts.Clock)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ClientID == "" {
		opts.ClientID = opts.Username
	}
	if opts.ClientID == "" {
		opts.ClientID = "centre-" + opts.Centre.ID
	}
	u := &Uplink{opts: opts, log: opts.Logger.With("centre", opts.Centre.ID, "part", "uplink"),
		limit: rate.NewLimiter(rate.Limit(opts.Rate), 1), wake: make(chan struct{}, 1),
		inFlight: map[int64]time.Time{}}
	u.session = u.subscriptions()
	return u, nil
}

// Run makes records as intervals end and sends them until ctx ends.
func (u *Uplink) Run(ctx context.Context) error {
	u.connect()
	defer u.client.Disconnect(250)
	stopSession := u.session.Start(ctx, u.client)
	defer stopSession()
	tick := time.NewTicker(u.opts.Poll)
	defer tick.Stop()
	for {
		if err := u.commitEnded(ctx); err != nil && ctx.Err() == nil {
			u.log.Error("make figures", "err", err)
		}
		if err := u.record(ctx); err != nil && ctx.Err() == nil {
			u.log.Error("record acknowledgements", "err", err)
		}
		if err := u.send(ctx); err != nil && ctx.Err() == nil {
			u.log.Error("send figures", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-u.wake:
		}
	}
}

func (u *Uplink) poke() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *Uplink) connect() {
	o := mqttwait.ClientOptions(u.opts.Broker, u.opts.ClientID, u.opts.Username, u.opts.Password, u.opts.TLS).
		SetOrderMatters(false)
	u.client = mqtt.NewClient(u.session.Configure(o))
	u.client.Connect()
}

// subscriptions is the uplink's session: the acknowledgements subscribed
// on every connection and tried again with backoff on the Clock while the
// connection lasts, for a clustered broker refuses subscriptions for a
// few seconds while a lost node's streams move. They are taken at QoS 0:
// a lost one only means the record is sent, stored once and acknowledged
// again, and on NATS a QoS 0 subscription keeps receiving while the
// cluster recovers.
func (u *Uplink) subscriptions() *mqttwait.Session {
	return mqttwait.NewSession(mqttwait.SessionOptions{
		Broker:       u.opts.Broker,
		Filters:      map[string]byte{protocol.FiguresAckTopic(u.opts.Centre.ID): 0},
		Handler:      u.onAck,
		What:         "acknowledgements",
		Advice:       "the records are sent but none is acknowledged (check the account's rights on the city broker)",
		FailureLevel: slog.LevelWarn,
		OnConnection: u.onConnection,
		FirstRetry:   subscribeFirstRetry, MaxRetry: subscribeMaxRetry, Wait: subscribeWait,
		Clock: u.opts.Clock, Logger: u.log,
	})
}

// onConnection sends again, on a new connection, whatever was on its way,
// since the connection that carried it is gone.
func (u *Uplink) onConnection(up bool) {
	if !up {
		return
	}
	u.mu.Lock()
	clear(u.inFlight)
	u.mu.Unlock()
	u.poke()
}

func (u *Uplink) onAck(_ mqtt.Client, m mqtt.Message) {
	a, err := protocol.Decode[protocol.FiguresAck](m.Payload())
	if err != nil || a.Centre != u.opts.Centre.ID {
		u.log.Warn("bad acknowledgement from the city", "err", err, "centre", a.Centre)
		return
	}
	u.mu.Lock()
	for _, s := range a.Seqs {
		delete(u.inFlight, s)
	}
	u.acked = append(u.acked, a.Seqs...)
	u.mu.Unlock()
	u.poke()
}

// record writes the acknowledgements received to the store.
func (u *Uplink) record(ctx context.Context) error {
	u.mu.Lock()
	seqs := u.acked
	u.acked = nil
	u.mu.Unlock()
	if len(seqs) == 0 {
		return nil
	}
	if err := u.opts.Store.AckFigures(ctx, seqs, u.opts.Clock.Now()); err != nil {
		u.mu.Lock()
		u.acked = append(u.acked, seqs...)
		u.mu.Unlock()
		return err
	}
	return nil
}

// send publishes the oldest records not acknowledged, in order, up to
// Window waiting at once, at most Rate a second; a record that waited
// ResendAfter for its acknowledgement goes again.
func (u *Uplink) send(ctx context.Context) error {
	if !u.client.IsConnectionOpen() {
		return nil
	}
	pending, err := u.opts.Store.PendingFigures(ctx, u.opts.Window)
	if err != nil {
		return err
	}
	// The wait for an acknowledgement is the network's, in real time, as
	// mqttwait's wait for an answer is: a test's clock moves the centre's
	// day, not the round trips.
	now := time.Now()
	for _, r := range pending {
		u.mu.Lock()
		sent, waiting := u.inFlight[r.Seq]
		u.mu.Unlock()
		if waiting && now.Sub(sent) < u.opts.ResendAfter {
			continue
		}
		if err := u.limit.Wait(ctx); err != nil {
			return err
		}
		u.mu.Lock()
		u.inFlight[r.Seq] = time.Now()
		u.mu.Unlock()
		u.client.Publish(protocol.FiguresTopic(u.opts.Centre.ID), 1, false, r.Payload)
	}
	return nil
}

// commitEnded commits a record for every interval ended since the last
// one committed, and a day record for every local day ended.
func (u *Uplink) commitEnded(ctx context.Context) error {
	now := u.opts.Clock.Now()
	loc := u.opts.Centre.Location
	last, err := u.opts.Store.LastFiguresSpan(ctx, protocol.FiguresInterval)
	if err != nil {
		return err
	}
	if last.IsZero() {
		// The very first run counts from the interval it starts in.
		if u.first.IsZero() {
			u.first = floor(now, u.opts.Interval, loc)
		}
		last = u.first
	}
	latest := floor(now, u.opts.Interval, loc)
	for from := last; from.Before(latest); {
		to := next(from, u.opts.Interval, loc)
		live := !to.Before(latest)
		if err := u.add(ctx, protocol.FiguresInterval, from, to, live); err != nil {
			return err
		}
		if midnight(to, loc) {
			if err := u.add(ctx, protocol.FiguresDay, to.AddDate(0, 0, -1), to, live); err != nil {
				return err
			}
		}
		from = to
	}
	return nil
}

// add builds the record of [from, to) and commits it.
func (u *Uplink) add(ctx context.Context, kind string, from, to time.Time, live bool) error {
	rep, err := report.Span(ctx, u.opts.Store, report.Options{Centre: u.opts.Centre}, from, to, report.ByService)
	if err != nil {
		return err
	}
	f := protocol.Figures{Centre: u.opts.Centre.ID, Kind: kind, Day: u.opts.Centre.Day(from), From: from, To: to}
	var o *centre.Overview
	if live {
		o = u.overview(ctx)
	}
	if o != nil {
		countLive(&f, o)
	} else {
		f.Devices.Total = len(u.opts.Centre.Devices)
	}
	f.Services = u.services(rep, o)
	f, err = u.opts.Store.AddFigures(ctx, f, u.opts.Clock.Now())
	if err != nil {
		return err
	}
	u.log.Debug("figures made", "seq", f.Seq, "kind", kind, "from", from, "to", to)
	u.poke()
	return nil
}

// overview is the controller's live values, or nil without them: the
// record goes without the live values rather than not at all.
func (u *Uplink) overview(ctx context.Context) *centre.Overview {
	if u.opts.Controller == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	o, err := u.opts.Controller.Overview(ctx)
	if err != nil {
		return nil
	}
	return o
}

// countLive counts the counters open and the devices' health of o into f.
func countLive(f *protocol.Figures, o *centre.Overview) {
	for _, c := range o.Counters {
		if c.Status != protocol.CounterClosed {
			f.CountersOpen++
		}
	}
	for _, d := range o.Devices {
		f.Devices.Total++
		switch {
		case !d.Online:
			f.Devices.Offline++
		case d.Health != nil && (d.Health.Status == protocol.HealthFault || d.Health.Printer == protocol.PrinterPaperOut):
			f.Devices.Faults++
		}
	}
}

// services are the figures of rep's configured services that saw
// anything, at most protocol.MaxFiguresServices; the people waiting come
// from o, and are -1 (unknown) without it.
func (u *Uplink) services(rep *report.Report, o *centre.Overview) []protocol.ServiceFigures {
	waiting := map[string]int{}
	if o != nil {
		for _, s := range o.Services {
			waiting[s.Service] = s.Waiting
		}
	}
	var out []protocol.ServiceFigures
	for _, row := range rep.Rows {
		svc, ok := u.opts.Centre.Service(row.Key)
		if !ok {
			continue
		}
		w := -1
		if o != nil {
			w = waiting[row.Key]
		}
		sf := protocol.ServiceFigures{Service: row.Key, Issued: row.Issued, Served: row.Served, NoShows: row.NoShows,
			Transferred: row.Transferred, Wait: row.WaitQuantiles, WithinTarget: row.WithinTarget,
			ServiceTime: row.ServiceQuantiles,
			Waiting:     w, TargetSeconds: int(svc.TargetWait / time.Second)}
		for i, r := range protocol.Ratings {
			sf.Ratings[i] = row.Ratings[r]
		}
		if quiet(sf) {
			continue
		}
		if len(out) < protocol.MaxFiguresServices {
			out = append(out, sf)
		}
	}
	return out
}

// quiet is a service that saw nothing and has no one waiting: its
// figures are left out of the record.
func quiet(sf protocol.ServiceFigures) bool {
	return sf.Issued == 0 && sf.Served == 0 && sf.NoShows == 0 && sf.Transferred == 0 && sf.Wait.N == 0 &&
		sf.Waiting <= 0 && sf.Ratings == [4]int{}
}

// floor is the start of the interval holding t, counted from local midnight.
func floor(t time.Time, interval time.Duration, loc *time.Location) time.Time {
	lt := t.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	return day.Add(lt.Sub(day) / interval * interval)
}

// next is the end of the interval starting at from; at the day's last
// interval, the next local midnight (days of 23 or 25 hours end there too).
func next(from time.Time, interval time.Duration, loc *time.Location) time.Time {
	lt := from.In(loc)
	midnight := time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
	if to := from.Add(interval); to.Before(midnight) {
		return to
	}
	return midnight
}

func midnight(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	return lt.Hour() == 0 && lt.Minute() == 0 && lt.Second() == 0 && lt.Nanosecond() == 0
}
