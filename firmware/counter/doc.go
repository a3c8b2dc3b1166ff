// Package counter is the counter terminal: a Raspberry Pi at a counter with
// a GPIO keypad for the staff (call next, call again, complete, no-show,
// transfer, park, pause), a satisfaction keypad for the citizen (four
// keys, "Rất hài lòng / Hài lòng / Bình thường / Không hài lòng") and a
// small display showing the counter's current ticket.
//
// Each key press becomes one counter command sent through the device link
// (firmware/link) with its own idempotency key; the terminal waits for the
// controller's reply and shows the counter's state from it. It also follows
// the retained state of its counter, so a terminal that restarts or
// reconnects shows the right ticket at once.
//
// # What the display shows
//
//	A023   serving ticket A023
//	--     open, no current ticket (idle or closed)
//	PAU    paused
//	Err    a command failed or was refused; shown for Options.ErrorFor, then
//	       the state again (the reason is logged and is the health's last
//	       error)
//	----   the controller is unreachable: the link is down or the
//	       controller's retained status says offline. The terminal then
//	       forgets the counter's state instead of showing a stale ticket.
//
// # Keys
//
//   - One press, one command: the level must settle for the debounce time,
//     the key must be released before it counts again, and a second press
//     of the same key within the lockout is ignored, so a double press does
//     not call two citizens.
//   - One command at a time: a press while an earlier command still waits
//     for its reply (in the link's durable outbox while the controller is
//     unreachable) is refused with ErrBusy and shows "Err". Commands do not
//     pile up while the controller is away; the one pending is answered
//     when it is back and its reply updates the display.
//   - The pause key toggles: it sends resume when the counter is paused,
//     pause otherwise.
//   - A transfer key sends the current ticket to the service configured for
//     that key (Key.ToService): one key per target service.
//   - A satisfaction key sends rate with its rating; the controller applies
//     it to the ticket last served at this counter.
//
// # Wiring
//
//	var c *counter.Counter
//	l, err := link.New(link.Options{ /* ... */, Kind: protocol.DeviceCounter,
//		Health:       func() protocol.Health { return c.Health() },
//		OnConnection: func(up bool) { c.OnConnection(up) },
//		OnReply:      func(q protocol.Request, r protocol.Reply) { c.OnReply(q, r) },
//	})
//	c, err = counter.New(counter.Options{Link: l, Centre: "ninh-kieu",
//		Device: "counter-1", Counter: "1", Display: disp})
//	wg.Go(func() { l.Run(ctx) })
//	wg.Go(func() { c.Run(ctx) })
//	wg.Go(func() { c.RunKeys(ctx, keys, counter.KeyOptions{}) })
package counter
