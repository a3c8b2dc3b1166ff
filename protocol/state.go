package protocol

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CounterStatus is what a counter is doing.
type CounterStatus string

// Counter statuses.
const (
	CounterClosed  CounterStatus = "closed"  // nobody signed in or never used today
	CounterIdle    CounterStatus = "idle"    // open, no current ticket
	CounterServing CounterStatus = "serving" // a ticket is called or being served
	CounterPaused  CounterStatus = "paused"  // on a break
)

// CounterStatuses lists every counter status.
var CounterStatuses = []CounterStatus{CounterClosed, CounterIdle, CounterServing, CounterPaused}

// CounterState is the retained state of a counter.
type CounterState struct {
	V       int           `json:"v"`
	Counter string        `json:"counter"`
	Status  CounterStatus `json:"status"`
	Ticket  string        `json:"ticket,omitempty"`  // current ticket number
	Service string        `json:"service,omitempty"` // current ticket's service
	Since   time.Time     `json:"since,omitzero"`    // when the status or ticket last changed; absent before first use
	Parked  []string      `json:"parked,omitempty"`  // tickets parked at this counter
	// Services are the services this counter serves, best level first.
	Services []string `json:"services,omitempty"`
}

// ServiceState is the retained state of a service queue.
type ServiceState struct {
	V       int    `json:"v"`
	Service string `json:"service"`
	// Names are the service's names by language ("vi", "en", "km"), for
	// kiosks and boards.
	Names map[string]string `json:"names,omitempty"`
	// Prefix and Width make its numbers (prefix, then the running number
	// padded to Width digits): a kiosk numbers offline tickets with them.
	Prefix  string `json:"prefix,omitempty"`
	Width   int    `json:"width,omitempty"`
	Waiting int    `json:"waiting"`
	// LongestWaitSeconds is how long the first ticket in line has waited.
	LongestWaitSeconds int `json:"longest_wait_s"`
	// WaitSeconds is the wait a ticket issued now is told.
	WaitSeconds int       `json:"wait_s"`
	Issued      int       `json:"issued"` // tickets issued today
	Served      int       `json:"served"` // tickets served today
	At          time.Time `json:"at"`
}

// ControllerState is the controller's retained status. Its last will has
// Online false.
type ControllerState struct {
	V       int       `json:"v"`
	Online  bool      `json:"online"`
	Version string    `json:"version,omitempty"`
	Started time.Time `json:"started,omitzero"`
	Day     string    `json:"day,omitempty"`
}

// Validate checks a counter state.
func (s *CounterState) Validate() error {
	if err := CheckID("counter", s.Counter); err != nil {
		return err
	}
	if !slices.Contains(CounterStatuses, s.Status) {
		return invalid("status", "unknown counter status %q", s.Status)
	}
	if (s.Status == CounterServing) != (s.Ticket != "") {
		return invalid("ticket", "a counter has a ticket exactly when it is serving")
	}
	if s.Ticket != "" {
		if err := checkNumber("ticket", s.Ticket); err != nil {
			return err
		}
	}
	if s.Service != "" {
		if err := CheckID("service", s.Service); err != nil {
			return err
		}
	}
	for i, n := range s.Parked {
		if err := checkNumber(fmt.Sprintf("parked[%d]", i), n); err != nil {
			return err
		}
	}
	for i, id := range s.Services {
		if err := CheckID(fmt.Sprintf("services[%d]", i), id); err != nil {
			return err
		}
	}
	return nil
}

// maxName bounds a service name in bytes: about 60 Vietnamese letters.
const maxName = 180

// Validate checks a service state.
func (s *ServiceState) Validate() error {
	if err := CheckID("service", s.Service); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		value int
	}{
		{"waiting", s.Waiting}, {"longest_wait_s", s.LongestWaitSeconds},
		{"wait_s", s.WaitSeconds}, {"issued", s.Issued}, {"served", s.Served},
	} {
		if f.value < 0 {
			return invalid(f.name, "negative")
		}
	}
	if len(s.Prefix) > 3 || !numberPattern.MatchString(s.Prefix+"0") {
		return invalid("prefix", "%q: use 1 to 3 letters or digits", s.Prefix)
	}
	if s.Width < 0 || s.Width > 6 {
		return invalid("width", "%d: use 1 to 6 digits", s.Width)
	}
	for lang, name := range s.Names {
		if !slices.Contains(Languages, lang) {
			return invalid("names", "unknown language %q; use one of %s", lang, strings.Join(Languages, ", "))
		}
		if len(name) > maxName {
			return invalid("names", "%d bytes, at most %d", len(name), maxName)
		}
	}
	return nil
}

// Validate checks a controller state.
func (s *ControllerState) Validate() error {
	return checkDay("day", s.Day)
}
