// Package link is a device's connection to its centre's controller over
// MQTT: the one piece every device program (kiosk, counter terminal, hall
// board) uses to send requests, receive state and report its presence.
//
// It wraps paho.mqtt.golang and works around what paho does not do:
//
//   - Reconnection is the link's own: a fresh paho client per connection,
//     with backoff from 0.5 s doubling to 5 s (with jitter, on the Clock), so
//     that each connection carries a new presence sequence in its last will.
//   - Subscriptions are made again on every connection; paho does not.
//   - Messages are copied out of paho's callback into bounded queues and
//     handled on the link's goroutines, so a slow handler never blocks paho.
//     Replies have their own queue: a busy display handler does not delay
//     the reply to a ticket request.
//   - A request is stored in a durable outbox before it is first published,
//     and published again every ResendAfter and after every reconnection
//     until the controller's reply with its key arrives. paho's publish token
//     proves nothing after a reconnection; the reply does. The controller
//     answers a repeated key with its first answer, so resending is safe.
//
// # Presence
//
// The device's presence topic holds a retained birth (Online true) while it
// is connected and its last will (Online false) after it vanished. Both carry
// the connection's sequence, which increases with every connection attempt
// and is kept in StateDir across restarts; a StateDir without one starts from
// the Unix time, so a device whose storage was wiped still counts up. A
// presence with a lower sequence than one already seen is stale: when the
// link sees one on its own topic (the late last will of an earlier
// connection) it publishes its birth again. Run's end publishes Online false
// itself, since a clean disconnection does not fire the will.
//
// # State directory
//
// StateDir holds presence.seq and outbox/, one file per pending request
// named by its order and key, holding the exact payload published. Files are
// written to a temporary file, fsynced, renamed and their folder fsynced. A
// file that cannot be read is renamed *.bad and logged. One Link per
// StateDir.
//
// # Wiring
//
//	l, err := link.New(link.Options{
//		Broker:   "tcp://192.168.1.10:1883",
//		Centre:   "ninh-kieu",
//		Device:   "kiosk-1",
//		Kind:     protocol.DeviceKiosk,
//		Password: password, // from the device's configuration
//		Firmware: version,
//		StateDir: "/var/lib/sothutu/link",
//		Logger:   log,
//		Health:   printer.Health,
//		OnConnection: func(up bool) { screen.SetOnline(up) },
//	})
//	if err != nil {
//		return fmt.Errorf("link.New: %w", err)
//	}
//	l.Subscribe(protocol.ServiceTopic(centre, "A"), screen.OnServiceState)
//	var wg sync.WaitGroup
//	defer wg.Wait()
//	wg.Go(func() { _ = l.Run(ctx) }) // nil once ctx ends and all is closed
//
//	reply, err := l.Request(ctx, protocol.Request{Op: protocol.OpTicket, Service: "A"})
//	// err: ctx ended (the request stays pending) or the outbox failed;
//	// a refusal is reply.OK false with reply.Error.
package link
