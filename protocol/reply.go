package protocol

import (
	"slices"
	"time"
)

// Reply is the controller's answer on the device's reply topic.
type Reply struct {
	V     int    `json:"v"`
	Key   string `json:"key"`
	Op    Op     `json:"op"`
	OK    bool   `json:"ok"`
	Error *Error `json:"error,omitempty"`
	// Ticket is the ticket issued, called, recalled or acted on.
	Ticket *Ticket `json:"ticket,omitempty"`
	// Counter is the counter's state after a counter command.
	Counter *CounterState `json:"counter,omitempty"`
}

// Ticket is a ticket as devices see it.
type Ticket struct {
	Number   string   `json:"number"` // "A023"
	Service  string   `json:"service"`
	Priority Priority `json:"priority,omitempty"`
	Lang     string   `json:"lang,omitempty"`
	// Ahead is the number of people before this ticket when it was issued.
	Ahead int `json:"ahead"`
	// WaitSeconds is the estimated wait at issue time.
	WaitSeconds int       `json:"wait_s"`
	Issued      time.Time `json:"issued"`
	// Day is the local date the number belongs to, "2026-11-23".
	Day string `json:"day"`
	// Token is a short code for the ticket's status link.
	Token string `json:"token"`
}

// Validate checks a reply. A refusal (OK false) may have an empty key and op:
// those of a request that could not be read.
func (r *Reply) Validate() error {
	if r.OK == (r.Error != nil) {
		if r.OK {
			return invalid("error", "a reply with ok true has no error")
		}
		return invalid("error", "missing: a reply with ok false needs one")
	}
	if (r.OK || r.Key != "") && !keyPattern.MatchString(r.Key) {
		return invalid("key", "missing or not a key")
	}
	if (r.OK || r.Op != "") && !slices.Contains(Ops, r.Op) {
		return invalid("op", "unknown operation %q", r.Op)
	}
	if r.Ticket != nil {
		if err := r.Ticket.Validate(); err != nil {
			return err
		}
	}
	if r.Counter != nil {
		if err := checkNested("counter.v", r.Counter.V); err != nil {
			return err
		}
		if err := r.Counter.Validate(); err != nil {
			return within("counter", err)
		}
	}
	return nil
}

// Validate checks a ticket. Its fields are named "ticket.number" and so on.
func (t *Ticket) Validate() error {
	if err := checkNumber("ticket.number", t.Number); err != nil {
		return err
	}
	if err := CheckID("ticket.service", t.Service); err != nil {
		return err
	}
	if t.Priority != PriorityNone && !slices.Contains(Priorities, t.Priority) {
		return invalid("ticket.priority", "unknown class %q", t.Priority)
	}
	if t.Lang != "" && !slices.Contains(Languages, t.Lang) {
		return invalid("ticket.lang", "unknown language %q", t.Lang)
	}
	if t.Ahead < 0 {
		return invalid("ticket.ahead", "negative")
	}
	if t.WaitSeconds < 0 {
		return invalid("ticket.wait_s", "negative")
	}
	return checkDay("ticket.day", t.Day)
}
