package centre

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// watchers are the channels told of every change, for live pages.
type watchers struct {
	mu   sync.Mutex
	subs map[chan struct{}]bool
}

// notify tells every watcher that something changed, without blocking: a
// watcher that has not yet read the last news gets no more of it.
func (w *watchers) notify() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Watch returns a channel told of every change of the centre's state (a
// command committed, a device's presence, an alert); stop ends it.
func (c *Controller) Watch() (changes <-chan struct{}, stop func()) {
	ch := make(chan struct{}, 1)
	c.watchers.mu.Lock()
	if c.watchers.subs == nil {
		c.watchers.subs = map[chan struct{}]bool{}
	}
	c.watchers.subs[ch] = true
	c.watchers.mu.Unlock()
	return ch, func() {
		c.watchers.mu.Lock()
		delete(c.watchers.subs, ch)
		c.watchers.mu.Unlock()
	}
}

// Overview is the centre as the manager's live view shows it.
type Overview struct {
	At       time.Time        `json:"at"`
	Day      string           `json:"day"`
	Services []ServiceView    `json:"services"`
	Counters []CounterView    `json:"counters"`
	Devices  []DeviceStatus   `json:"devices"`
	Alerts   []protocol.Alert `json:"alerts"`
	Advice   []protocol.Move  `json:"advice"`
	Totals   engine.Totals    `json:"totals"`
	Online   bool             `json:"online"` // connected to the broker
}

// ServiceView is one service on the live view.
type ServiceView struct {
	protocol.ServiceState
	TargetSeconds int  `json:"target_s"`
	OverTarget    bool `json:"over_target"`
}

// CounterView is one counter on the live view.
type CounterView struct {
	protocol.CounterState
	Skills             []Skill `json:"skills"`
	Served             int     `json:"served_today"`
	MeanServiceSeconds int     `json:"mean_service_s"`
	// IdleWhileWaiting: idle while people wait for its services.
	IdleWhileWaiting bool `json:"idle_while_waiting"`
	Waiting          int  `json:"waiting"` // tickets it could call now
}

// Skill is a service a counter serves and its level.
type Skill = engine.Skill

// Overview returns the live view's state. It is built by the writer once
// per change and shared by every page that asks.
func (c *Controller) Overview(ctx context.Context) (*Overview, error) {
	var o *Overview
	err := c.read(ctx, func() {
		if c.overview == nil {
			c.overview = c.buildOverview(c.now())
		}
		o = c.overview
	})
	return o, err
}

func (c *Controller) buildOverview(now time.Time) *Overview {
	o := &Overview{At: now, Day: c.engine.Day(), Totals: c.engine.Totals(),
		Online: c.Connected()}
	for _, id := range c.engine.Services() {
		s := c.engine.ServiceState(id, now)
		cfg, _ := c.centre.Service(id)
		o.Services = append(o.Services, ServiceView{ServiceState: s, TargetSeconds: int(cfg.TargetWait / time.Second),
			OverTarget: s.Waiting > 0 && time.Duration(s.LongestWaitSeconds)*time.Second > cfg.TargetWait})
	}
	day := c.engine.CountersDay()
	for _, id := range c.engine.Counters() {
		v := CounterView{CounterState: c.engine.CounterState(id), Skills: c.engine.Skills(id),
			Served: day[id].Served, MeanServiceSeconds: int(day[id].MeanService / time.Second),
			Waiting: c.engine.WaitingFor(id)}
		v.IdleWhileWaiting = v.Status == protocol.CounterIdle && v.Waiting > 0
		o.Counters = append(o.Counters, v)
	}
	o.Alerts = c.alertState(now).Alerts
	o.Advice = c.advice(now).Moves
	o.Devices = c.deviceList()
	return o
}

// CounterPage is what a staff member's counter page shows.
type CounterPage struct {
	Counter protocol.CounterState
	Skills  []Skill
	Current *engine.Ticket // nil when none
	Waiting []engine.Ticket
	Parked  []engine.Ticket
	Served  int
}

// Counter returns a counter's page state; ok is false for an unknown counter.
func (c *Controller) Counter(ctx context.Context, id string) (p CounterPage, ok bool, err error) {
	err = c.read(ctx, func() {
		if _, ok = c.centre.Counter(id); !ok {
			return
		}
		p.Counter = c.engine.CounterState(id)
		p.Skills = c.engine.Skills(id)
		if p.Counter.Ticket != "" {
			if t, found := c.engine.Ticket(p.Counter.Ticket); found {
				p.Current = &t
			}
		}
		p.Waiting = c.engine.Waiting(id)
		p.Parked = c.engine.Parked(id)
		p.Served = c.engine.CountersDay()[id].Served
	})
	return p, ok, err
}

// change runs f on the writer and commits what it changed before it returns.
func (c *Controller) change(ctx context.Context, f func(now time.Time) error) error {
	ch := make(chan error, 1)
	select {
	case c.in <- pageChange{change: f, done: ch}:
	case <-c.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Reassign gives a counter new services (nil: its configured ones) on behalf
// of actor, a manager. It takes effect at the counter's next call and is
// recorded as a "reassigned" event.
func (c *Controller) Reassign(ctx context.Context, actor engine.Actor, counter string, skills []Skill) error {
	return c.change(ctx, func(now time.Time) error {
		return c.engine.ReassignBy(now, actor, counter, slices.Clone(skills))
	})
}

// Note records an event such as a staff member signing in at a counter.
func (c *Controller) Note(ctx context.Context, kind, counter string, actor engine.Actor, detail string) error {
	return c.change(ctx, func(now time.Time) error {
		c.engine.Note(now, kind, counter, actor, detail)
		return nil
	})
}
