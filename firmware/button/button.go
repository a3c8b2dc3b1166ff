// Package button turns the edges of a GPIO input wired to a push button
// (pulled up, closed to ground when pressed) into presses: debounced, one
// per press and release, and none within a lockout of the last.
package button

import (
	"context"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Watch calls press for each debounced press of pin until ctx ends: the
// level must settle for debounce after an edge, the button must have been
// released since its last press, and a press within lockout of the last
// one counted is ignored. now tells the time for the lockout.
func Watch(ctx context.Context, pin gpio.PinIn, debounce, lockout time.Duration, now func() time.Time, press func()) {
	released := pin.Read() == gpio.High
	var last time.Time
	for ctx.Err() == nil {
		// A timeout, not -1: with some drivers an edge wait without one
		// returns at once, and the context must be seen.
		if !pin.WaitForEdge(250 * time.Millisecond) {
			continue
		}
		settle := time.NewTimer(debounce)
		select {
		case <-ctx.Done():
			settle.Stop()
			return
		case <-settle.C:
		}
		if pin.Read() == gpio.High {
			released = true
			continue
		}
		if !released {
			continue
		}
		released = false
		if t := now(); last.IsZero() || t.Sub(last) >= lockout {
			last = t
			press()
		}
	}
}
