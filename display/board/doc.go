// Package board is the hall board: the TV in a centre's waiting hall that
// shows which ticket is called to which counter.
//
// A Board keeps what the controller publishes (the retained board, service
// and controller states, and the call events in order) and serves a page
// for Chromium in kiosk mode on localhost, updated live by Server-Sent
// Events. It answers the two complaints people have about hall displays:
//
//   - Stale boards. Every (re)connection of the page's EventSource gets the
//     full state first, a heartbeat follows every 10 s, and the page shows
//     "Mất kết nối / Disconnected" when the stream breaks, when nothing came
//     for 25 s, when the device link is down or when the controller's
//     retained status says offline.
//   - A burst of calls that shows each number for a second. New calls are
//     queued and each is highlighted for at least Options.MinHighlight
//     before the next; a newer call of the same counter replaces one still
//     waiting for its turn. The lists under the highlight are always up to
//     date. The queue runs in Go, on a Clock, so that tests do not sleep.
//
// # Wiring
//
//	b := board.New(board.Options{Centre: "ninh-kieu", Title: "...", Langs: []string{"vi", "en"}})
//	l, err := link.New(link.Options{..., Kind: protocol.DeviceBoard, OnConnection: b.SetConnected})
//	// The call events first, then the whole state tree in one filter: with
//	// the embedded broker, live messages on a later subscription were seen
//	// not to arrive (see firmware/cmd/board).
//	l.Subscribe(protocol.CallTopic(centre), b.HandleMessage)
//	l.Subscribe(protocol.AllState(centre), b.HandleMessage)
//	wg.Go(func() { b.Run(ctx) })
//	srv := &http.Server{Handler: b.Handler()}
//
// # Page
//
//	GET /         the page (1920x1080, lang="vi", UTF-8)
//	GET /events   text/event-stream: "state" (the full State, first on every
//	              connection and after every change), "highlight" (a call's
//	              turn in the highlight begins) and "ping" (heartbeat)
//	GET /state    the State as JSON
package board
