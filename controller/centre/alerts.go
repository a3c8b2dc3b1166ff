package centre

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/protocol"
)

// alertKey names an alert: at most one of each kind is open per subject.
type alertKey struct {
	kind    protocol.AlertKind
	subject string
}

// loadAlerts reads the alerts left open by the previous run, so that an
// alert still true keeps its id and opening time across a restart.
func (c *Controller) loadAlerts(ctx context.Context) error {
	c.alerts = map[alertKey]protocol.Alert{}
	open, err := c.store.Alerts(ctx, c.now(), protocol.MaxAlerts)
	if err != nil {
		return err
	}
	for _, a := range open {
		if a.Closed.IsZero() {
			c.alerts[alertKey{a.Kind, a.Subject}] = a.Alert
		}
	}
	return nil
}

// wanted computes the alerts that are true now, by the rules documented on
// protocol.AlertKind.
func (c *Controller) wanted(now time.Time) map[alertKey]protocol.Alert {
	out := map[alertKey]protocol.Alert{}
	add := func(kind protocol.AlertKind, subject string, since time.Time, format string, args ...any) {
		out[alertKey{kind, subject}] = protocol.Alert{Kind: kind, Subject: subject, Since: since, Detail: fmt.Sprintf(format, args...)}
	}
	for _, id := range c.engine.Services() {
		n, longest := c.engine.Longest(id, now)
		cfg, _ := c.centre.Service(id)
		if n > 0 && cfg.TargetWait > 0 && longest > cfg.TargetWait {
			add(protocol.AlertWait, id, now.Add(cfg.TargetWait-longest), "longest wait %d min, target %d min",
				int(longest.Minutes()), int(cfg.TargetWait.Minutes()))
		}
	}
	for _, id := range c.engine.Counters() {
		s := c.engine.CounterState(id)
		if s.Status != protocol.CounterIdle || now.Sub(s.Since) < c.opts.IdleAlertAfter {
			continue
		}
		n := c.engine.WaitingFor(id)
		if n > 0 {
			add(protocol.AlertIdle, id, s.Since.Add(c.opts.IdleAlertAfter), "idle since %s, %d waiting for it",
				s.Since.In(c.centre.Location).Format("15:04"), n)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.centre.Devices {
		ds, seen := c.devices[d.ID]
		switch {
		case !seen && now.Sub(c.started) >= c.opts.OfflineAlertAfter:
			add(protocol.AlertOffline, d.ID, c.started.Add(c.opts.OfflineAlertAfter), "not connected since the controller started")
		case seen && !ds.Online:
			add(protocol.AlertOffline, d.ID, ds.Since, "disconnected")
		case seen && ds.Health != nil && ds.Health.Printer == protocol.PrinterPaperOut:
			add(protocol.AlertPaperOut, d.ID, ds.Since, "printer out of paper")
		case seen && ds.Health != nil && ds.Health.Printer == protocol.PrinterPaperLow:
			add(protocol.AlertPaperLow, d.ID, ds.Since, "printer paper low")
		case seen && ds.Health != nil && ds.Health.Printer == protocol.PrinterOffline:
			add(protocol.AlertPrinterOffline, d.ID, ds.Since, "printer not answering: check its cable and power")
		case seen && ds.Health != nil && ds.Health.Printer == protocol.PrinterCover:
			add(protocol.AlertPrinterFault, d.ID, ds.Since, "printer cover open")
		case seen && ds.Health != nil && ds.Health.Printer == protocol.PrinterError:
			add(protocol.AlertPrinterFault, d.ID, ds.Since, "printer reports an error")
		}
	}
	return out
}

// checkAlerts opens the alerts that became true and closes those that no
// longer are, in the store first, then publishes the list if it changed.
func (c *Controller) checkAlerts(ctx context.Context, now time.Time) {
	if c.started.IsZero() {
		return
	}
	want := c.wanted(now)
	changed := false
	for k, a := range c.alerts {
		if _, still := want[k]; still {
			continue
		}
		if err := c.store.CloseAlert(ctx, a.ID, now); err != nil {
			c.log.Error("close alert", "err", err, "kind", a.Kind, "subject", a.Subject)
			continue
		}
		delete(c.alerts, k)
		changed = true
	}
	for k, a := range want {
		if _, open := c.alerts[k]; open {
			continue
		}
		a, err := c.store.OpenAlert(ctx, a)
		if err != nil {
			c.log.Error("open alert", "err", err, "kind", a.Kind, "subject", a.Subject)
			continue
		}
		c.log.Warn("alert", "kind", a.Kind, "subject", a.Subject, "detail", a.Detail)
		c.alerts[k] = a
		changed = true
	}
	if changed {
		publish(c, protocol.AlertsTopic(c.centre.ID), c.alertState(now), true)
		c.overview = nil
		c.watchers.notify()
	}
}

// Alerts returns the alerts open at or after since, newest first, from the
// store: what the manager's alert history shows.
func (c *Controller) Alerts(ctx context.Context, since time.Time) ([]store.AlertRecord, error) {
	return c.store.Alerts(ctx, since, 500)
}

// alertState is the list of open alerts as published, oldest first.
func (c *Controller) alertState(now time.Time) protocol.AlertState {
	s := protocol.AlertState{At: now, Alerts: []protocol.Alert{}}
	for _, a := range c.alerts {
		s.Alerts = append(s.Alerts, a)
	}
	slices.SortFunc(s.Alerts, func(a, b protocol.Alert) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.ID, b.ID))
	})
	if len(s.Alerts) > protocol.MaxAlerts {
		s.Alerts = s.Alerts[:protocol.MaxAlerts]
	}
	return s
}
