package kiosk

import (
	"context"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/sothutu/sothutu/firmware/button"
	"github.com/sothutu/sothutu/protocol"
)

// Button is a push button between a GPIO pin and ground, read with the
// pin's pull-up: pressed reads low.
type Button struct {
	Pin gpio.PinIn
	// Service is the service the button takes a ticket for; empty makes it
	// the priority button, which marks the next ticket taken within
	// ButtonOptions.PriorityFor as a priority ticket.
	Service string
}

// ButtonOptions tune how presses are read.
type ButtonOptions struct {
	// Debounce is how long the level must settle after an edge; default
	// 30ms.
	Debounce time.Duration
	// Lockout ignores presses of the same button for this long after one
	// counted, so a citizen pressing twice gets one ticket; default 2s.
	Lockout time.Duration
	// PriorityFor is how long the priority button's mark lasts; default 15s.
	PriorityFor time.Duration
	// Lang is the language of tickets taken with buttons; default "vi".
	Lang string
}

// RunButtons reads the buttons until ctx ends. A press counts once: the
// button must be released before it counts again, and not within Lockout
// of the last press.
func (k *Kiosk) RunButtons(ctx context.Context, buttons []Button, opts ButtonOptions) error {
	if opts.Debounce == 0 {
		opts.Debounce = 30 * time.Millisecond
	}
	if opts.Lockout == 0 {
		opts.Lockout = 2 * time.Second
	}
	if opts.PriorityFor == 0 {
		opts.PriorityFor = 15 * time.Second
	}
	if opts.Lang == "" {
		opts.Lang = "vi"
	}
	for _, b := range buttons {
		if err := b.Pin.In(gpio.PullUp, gpio.BothEdges); err != nil {
			return err
		}
	}
	var mu sync.Mutex
	var priorityUntil time.Time
	var wg sync.WaitGroup
	for _, b := range buttons {
		wg.Go(func() {
			button.Watch(ctx, b.Pin, opts.Debounce, opts.Lockout, k.opts.Clock.Now, func() {
				now := k.opts.Clock.Now()
				mu.Lock()
				if b.Service == "" {
					priorityUntil = now.Add(opts.PriorityFor)
					mu.Unlock()
					k.log.Info("priority button pressed")
					return
				}
				p := protocol.PriorityNone
				if now.Before(priorityUntil) {
					p, priorityUntil = protocol.PriorityElderly, time.Time{}
				}
				mu.Unlock()
				take, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if _, err := k.Take(take, b.Service, p, opts.Lang); err != nil {
					k.log.Warn("button press gave no ticket", "service", b.Service, "err", err)
				}
			})
		})
	}
	wg.Wait()
	return nil
}
