package protocol

import (
	"fmt"
	"time"
)

// Call is one call of a ticket to a counter.
type Call struct {
	V       int       `json:"v"`
	Ticket  string    `json:"ticket"`
	Service string    `json:"service"`
	Counter string    `json:"counter"`
	At      time.Time `json:"at"`
	// Repeat is 0 for the first call and counts each call again.
	Repeat int `json:"repeat,omitempty"`
}

// BoardState is the retained state of the hall board. Its lists are always
// present on the wire, [] when empty, and each holds at most MaxBoardCalls.
type BoardState struct {
	V int `json:"v"`
	// Current holds the latest call of each serving counter, newest first.
	Current []Call `json:"current"`
	// Recent holds the latest calls, newest first.
	Recent []Call    `json:"recent"`
	At     time.Time `json:"at"`
}

// MaxBoardCalls bounds each list of a board state. It is small enough that
// any valid board fits in MaxPayload.
const MaxBoardCalls = 20

// Validate checks a call.
func (c *Call) Validate() error {
	if err := checkNumber("ticket", c.Ticket); err != nil {
		return err
	}
	if err := CheckID("service", c.Service); err != nil {
		return err
	}
	if err := CheckID("counter", c.Counter); err != nil {
		return err
	}
	if c.Repeat < 0 {
		return invalid("repeat", "negative")
	}
	return nil
}

// Validate checks a board state.
func (b *BoardState) Validate() error {
	for _, l := range []struct {
		name  string
		calls []Call
	}{{"current", b.Current}, {"recent", b.Recent}} {
		if len(l.calls) > MaxBoardCalls {
			return invalid(l.name, "%d calls, at most %d", len(l.calls), MaxBoardCalls)
		}
		for i := range l.calls {
			at := fmt.Sprintf("%s[%d]", l.name, i)
			if err := checkNested(at+".v", l.calls[i].V); err != nil {
				return err
			}
			if err := l.calls[i].Validate(); err != nil {
				return within(at, err)
			}
		}
	}
	return nil
}
