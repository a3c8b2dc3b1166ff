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

// alerts gathers the alerts that are true, one per kind and subject.
type alerts map[alertKey]protocol.Alert

func (w alerts) add(kind protocol.AlertKind, subject string, since time.Time, format string, args ...any) {
	w[alertKey{kind, subject}] = protocol.Alert{Kind: kind, Subject: subject, Since: since, Detail: fmt.Sprintf(format, args...)}
}

// printerAlerts are the alerts of a kiosk's printer statuses, with their
// details.
var printerAlerts = map[string]struct {
	kind   protocol.AlertKind
	detail string
}{
	protocol.PrinterPaperOut: {protocol.AlertPaperOut, "printer out of paper"},
	protocol.PrinterPaperLow: {protocol.AlertPaperLow, "printer paper low"},
	protocol.PrinterOffline:  {protocol.AlertPrinterOffline, "printer not answering: check its cable and power"},
	protocol.PrinterCover:    {protocol.AlertPrinterFault, "printer cover open"},
	protocol.PrinterError:    {protocol.AlertPrinterFault, "printer reports an error"},
}

// wanted computes the alerts that are true now, by the rules documented on
// protocol.AlertKind.
func (c *Controller) wanted(now time.Time) map[alertKey]protocol.Alert {
	out := alerts{}
	c.waitAlerts(out, now)
	c.idleAlerts(out, now)
	c.deviceAlerts(out, now)
	return out
}

// waitAlerts: a service whose longest wait is over its target.
func (c *Controller) waitAlerts(out alerts, now time.Time) {
	for _, id := range c.engine.Services() {
		n, longest := c.engine.Longest(id, now)
		cfg, _ := c.centre.Service(id)
		if n > 0 && cfg.TargetWait > 0 && longest > cfg.TargetWait {
			out.add(protocol.AlertWait, id, now.Add(cfg.TargetWait-longest), "longest wait %d min, target %d min",
				int(longest.Minutes()), int(cfg.TargetWait.Minutes()))
		}
	}
}

// idleAlerts: a counter idle for IdleAlertAfter while people wait for it.
func (c *Controller) idleAlerts(out alerts, now time.Time) {
	for _, id := range c.engine.Counters() {
		s := c.engine.CounterState(id)
		if s.Status != protocol.CounterIdle || now.Sub(s.Since) < c.opts.IdleAlertAfter {
			continue
		}
		if n := c.engine.WaitingFor(id); n > 0 {
			out.add(protocol.AlertIdle, id, s.Since.Add(c.opts.IdleAlertAfter), "idle since %s, %d waiting for it",
				s.Since.In(c.centre.Location).Format("15:04"), n)
		}
	}
}

// deviceAlerts: a device of the configuration never heard of since
// OfflineAlertAfter after the start, disconnected, or with a printer
// fault; one alert per device, the first that holds.
func (c *Controller) deviceAlerts(out alerts, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.centre.Devices {
		ds, seen := c.devices[d.ID]
		switch {
		case !seen:
			if now.Sub(c.started) >= c.opts.OfflineAlertAfter {
				out.add(protocol.AlertOffline, d.ID, c.started.Add(c.opts.OfflineAlertAfter), "not connected since the controller started")
			}
		case !ds.Online:
			out.add(protocol.AlertOffline, d.ID, ds.Since, "disconnected")
		case ds.Health != nil:
			if p, ok := printerAlerts[ds.Health.Printer]; ok {
				out.add(p.kind, d.ID, ds.Since, "%s", p.detail)
			}
		}
	}
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
