package protocol

import (
	"fmt"
	"slices"
	"time"
)

// AlertState is the controller's retained list of the centre's alerts still
// open: what a manager should look at now. An empty list means none.
type AlertState struct {
	V      int       `json:"v"`
	At     time.Time `json:"at"`
	Alerts []Alert   `json:"alerts"`
}

// AlertKind says what an alert is about.
type AlertKind string

// Alert kinds.
const (
	// AlertWait: a service's longest wait is over its target; Subject is the service.
	AlertWait AlertKind = "wait_over_target"
	// AlertIdle: a counter is idle while its services have people waiting;
	// Subject is the counter.
	AlertIdle AlertKind = "idle_while_waiting"
	// AlertOffline: a device of the configuration is offline; Subject is the device.
	AlertOffline AlertKind = "device_offline"
	// AlertPaperLow and AlertPaperOut: a kiosk's printer; Subject is the kiosk.
	AlertPaperLow AlertKind = "paper_low"
	AlertPaperOut AlertKind = "paper_out"
	// AlertPrinterOffline: a kiosk's printer does not answer; AlertPrinterFault:
	// it answers with its cover open or an error. Subject is the kiosk.
	AlertPrinterOffline AlertKind = "printer_offline"
	AlertPrinterFault   AlertKind = "printer_fault"
)

// AlertKinds lists every alert kind.
var AlertKinds = []AlertKind{AlertWait, AlertIdle, AlertOffline, AlertPaperLow, AlertPaperOut,
	AlertPrinterOffline, AlertPrinterFault}

// Alert is one open alert. ID identifies it in the controller's store; it
// stays the same while the alert is open.
type Alert struct {
	ID      int64     `json:"id"`
	Kind    AlertKind `json:"kind"`
	Subject string    `json:"subject"`
	Since   time.Time `json:"since"`
	// Detail is a short text for people, in English: "longest wait 41 min, target 30 min".
	Detail string `json:"detail,omitempty"`
}

// MaxAlerts bounds the alerts of an alert state.
const MaxAlerts = 100

// Validate checks an alert state.
func (a *AlertState) Validate() error {
	if len(a.Alerts) > MaxAlerts {
		return invalid("alerts", "%d alerts, at most %d", len(a.Alerts), MaxAlerts)
	}
	for i, al := range a.Alerts {
		field := func(f string) string { return fmt.Sprintf("alerts[%d].%s", i, f) }
		if !slices.Contains(AlertKinds, al.Kind) {
			return invalid(field("kind"), "%q is not an alert kind (%v)", al.Kind, AlertKinds)
		}
		if err := CheckID(field("subject"), al.Subject); err != nil {
			return err
		}
		if al.ID <= 0 {
			return invalid(field("id"), "must be positive")
		}
		if al.Since.IsZero() {
			return invalid(field("since"), "missing")
		}
		if len(al.Detail) > 200 {
			return invalid(field("detail"), "%d bytes, at most 200", len(al.Detail))
		}
	}
	return nil
}
