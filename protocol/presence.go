package protocol

import (
	"slices"
	"time"
)

// DeviceKind is the class of a device.
type DeviceKind string

// Device kinds.
const (
	DeviceKiosk   DeviceKind = "kiosk"
	DeviceCounter DeviceKind = "counter"
	DeviceBoard   DeviceKind = "board"
)

var deviceKinds = []DeviceKind{DeviceKiosk, DeviceCounter, DeviceBoard}

// Presence is a device's retained birth (Online true) or its last will
// (Online false). Seq increases with every connection of the device, across
// restarts: a presence with a lower Seq than one already seen is stale, so a
// late last will never hides a newer birth.
type Presence struct {
	V        int        `json:"v"`
	Device   string     `json:"device"`
	Kind     DeviceKind `json:"kind"`
	Online   bool       `json:"online"`
	Seq      uint64     `json:"seq"`
	Firmware string     `json:"firmware,omitempty"`
	Health   *Health    `json:"health,omitempty"`
	At       time.Time  `json:"at,omitzero"`
}

// HealthStatus sums up a device's health.
type HealthStatus string

// Health statuses.
const (
	HealthOK       HealthStatus = "ok"
	HealthDegraded HealthStatus = "degraded" // works, needs attention soon (paper low)
	HealthFault    HealthStatus = "fault"    // cannot do its job (paper out, printer offline)
)

// HealthStatuses lists every health status.
var HealthStatuses = []HealthStatus{HealthOK, HealthDegraded, HealthFault}

// Printer states a kiosk reports.
const (
	PrinterOK       = "ok"
	PrinterPaperLow = "paper_low"
	PrinterPaperOut = "paper_out"
	PrinterCover    = "cover_open"
	PrinterOffline  = "offline"
	PrinterError    = "error"
)

// PrinterStates lists every printer state.
var PrinterStates = []string{PrinterOK, PrinterPaperLow, PrinterPaperOut, PrinterCover, PrinterOffline, PrinterError}

// Health is a device's own account of itself.
type Health struct {
	Status        HealthStatus `json:"status"`
	UptimeSeconds int64        `json:"uptime_s"`
	Printer       string       `json:"printer,omitempty"`
	LastError     string       `json:"last_error,omitempty"`
}

// Validate checks a presence message.
func (p *Presence) Validate() error {
	if err := CheckID("device", p.Device); err != nil {
		return err
	}
	if !slices.Contains(deviceKinds, p.Kind) {
		return invalid("kind", "unknown device kind %q", p.Kind)
	}
	if h := p.Health; h != nil {
		if !slices.Contains(HealthStatuses, h.Status) {
			return invalid("health.status", "unknown health status %q", h.Status)
		}
		if h.UptimeSeconds < 0 {
			return invalid("health.uptime_s", "negative")
		}
		if h.Printer != "" && !slices.Contains(PrinterStates, h.Printer) {
			return invalid("health.printer", "unknown printer state %q", h.Printer)
		}
	}
	return nil
}
