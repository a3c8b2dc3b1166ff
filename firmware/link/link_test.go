package link

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
	"github.com/sothutu/sothutu/protocol/prototest"
)

// TestRequestReply covers one connection: a reply, a reply sent twice, a
// request answered only after it was re-sent, a caller that gave up, and
// payloads on the reply topic that are not replies.
func TestRequestReply(t *testing.T) {
	b := startEmbedded(t)
	ctl := startController(t, b.Addr())
	clk := newFakeClock()
	orphans := make(chan protocol.Reply, 10)
	opts := options(t, b.Addr(), t.TempDir(), clk)
	opts.OnReply = func(_ protocol.Request, r protocol.Reply) { orphans <- r }
	l := start(t, opts)
	l.waitUp(t)
	ctx := t.Context()

	t.Run("answered once", func(t *testing.T) {
		res := l.request(ctx, ticketRequest())
		req := ctl.nextRequest(t)
		if !strings.HasPrefix(req.Key, device+"-") {
			t.Errorf("key %q does not start with the device id", req.Key)
		}
		ctl.answer(t, ticketReply(req, "A001"))
		got := recv(t, res, "the reply")
		if got.err != nil || got.reply.Ticket == nil || got.reply.Ticket.Number != "A001" || got.reply.Key != req.Key {
			t.Fatalf("Request = %+v, %v; want ticket A001 with key %q", got.reply, got.err, req.Key)
		}
		if n := l.Pending(); n != 0 {
			t.Errorf("Pending() = %d after the reply, want 0", n)
		}
	})

	t.Run("answered twice", func(t *testing.T) {
		res := l.request(ctx, ticketRequest())
		req := ctl.nextRequest(t)
		ctl.answer(t, ticketReply(req, "A002"))
		ctl.answer(t, ticketReply(req, "A002"))
		if got := recv(t, res, "the reply"); got.err != nil || got.reply.Ticket.Number != "A002" {
			t.Fatalf("Request = %+v, %v; want A002", got.reply, got.err)
		}
		// The next request gets its own reply, not the repeat of the last.
		res = l.request(ctx, ticketRequest())
		req2 := ctl.nextRequest(t)
		ctl.answer(t, ticketReply(req2, "A003"))
		if got := recv(t, res, "the reply"); got.err != nil || got.reply.Ticket.Number != "A003" {
			t.Fatalf("Request = %+v, %v; want A003", got.reply, got.err)
		}
		none(t, orphans, "orphan reply")
	})

	t.Run("answered after a resend", func(t *testing.T) {
		res := l.request(ctx, protocol.Request{Key: "my-key-1", Op: protocol.OpCallNext})
		first := ctl.nextRequest(t)
		none(t, ctl.requests, "resend before the clock moved")
		second := advanceUntil(t, clk, resend, ctl.requests)
		if first.Key != "my-key-1" || second.Key != first.Key {
			t.Fatalf("keys %q then %q, want my-key-1 twice", first.Key, second.Key)
		}
		ctl.answer(t, protocol.Reply{Key: first.Key, Op: first.Op, OK: true})
		if got := recv(t, res, "the reply"); got.err != nil || !got.reply.OK {
			t.Fatalf("Request = %+v, %v", got.reply, got.err)
		}
	})

	t.Run("caller gives up, then asks again", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		req := protocol.Request{Key: "my-key-2", Op: protocol.OpCallNext}
		res := l.request(cctx, req)
		ctl.nextRequest(t)
		cancel()
		if got := recv(t, res, "Request to give up"); !errors.Is(got.err, context.Canceled) {
			t.Fatalf("Request after cancel: %v, want context.Canceled", got.err)
		}
		if n := l.Pending(); n != 1 {
			t.Fatalf("Pending() = %d, want 1: the request stays pending", n)
		}
		// Same key, other request: refused.
		other := protocol.Request{Key: "my-key-2", Op: protocol.OpCallAgain}
		if _, err := l.Request(ctx, other); !errors.Is(err, ErrKeyInUse) {
			t.Fatalf("Request reusing a pending key: %v, want ErrKeyInUse", err)
		}
		// Same key, same request: joins the pending one and sends it again.
		res = l.request(ctx, req)
		if again := ctl.nextRequest(t); again.Key != req.Key {
			t.Fatalf("sent %q, want %q again", again.Key, req.Key)
		}
		ctl.answer(t, protocol.Reply{Key: req.Key, Op: req.Op, OK: true})
		if got := recv(t, res, "the reply"); got.err != nil || got.reply.Key != req.Key {
			t.Fatalf("Request = %+v, %v", got.reply, got.err)
		}
		none(t, orphans, "orphan reply")
	})

	t.Run("reply nobody waits for", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		res := l.request(cctx, ticketRequest())
		req := ctl.nextRequest(t)
		cancel()
		recv(t, res, "Request to give up")
		ctl.answer(t, ticketReply(req, "A004"))
		if got := recv(t, orphans, "OnReply"); got.Key != req.Key {
			t.Fatalf("OnReply got key %q, want %q", got.Key, req.Key)
		}
	})

	t.Run("bad replies", func(t *testing.T) {
		res := l.request(ctx, ticketRequest())
		req := ctl.nextRequest(t)
		topic := protocol.ReplyTopic(centre, device)
		for _, p := range []string{
			"not json",
			`{"v":1,"key":"` + req.Key + `","op":"ticket","ok":true,"surprise":1}`,
			`{"v":99,"key":"` + req.Key + `","op":"ticket","ok":true}`,
			`{"v":1,"key":"` + req.Key + `","op":"ticket","ok":true,"error":{"code":"internal","message":"x"}}`,
			"\xff\xfe",
		} {
			ctl.publish(t, topic, []byte(p), false)
		}
		ctl.answer(t, ticketReply(req, "A005"))
		if got := recv(t, res, "the reply"); got.err != nil || got.reply.Ticket.Number != "A005" {
			t.Fatalf("Request = %+v, %v; want A005", got.reply, got.err)
		}
	})

	t.Run("handler on the reply topic", func(t *testing.T) {
		// Subscribed while up; paho keeps one callback per filter, and the
		// link's own must survive.
		seen := make(chan string, 10)
		l.Subscribe(protocol.ReplyTopic(centre, device), func(_ string, p []byte) {
			r, _ := protocol.Decode[protocol.Reply](p)
			seen <- r.Key
		})
		// The subscription is made before the next request is sent.
		res := l.request(ctx, ticketRequest())
		req := ctl.nextRequest(t)
		ctl.answer(t, ticketReply(req, "A006"))
		if got := recv(t, res, "the reply"); got.err != nil || got.reply.Key != req.Key {
			t.Fatalf("Request = %+v, %v", got.reply, got.err)
		}
		if key := recv(t, seen, "the handler"); key != req.Key {
			t.Errorf("handler saw %q, want %q", key, req.Key)
		}
	})

	t.Run("invalid request", func(t *testing.T) {
		_, err := l.Request(ctx, protocol.Request{Op: protocol.OpTicket})
		if !errors.Is(err, protocol.ErrInvalid) {
			t.Fatalf("Request without service: %v, want protocol.ErrInvalid", err)
		}
		if n := l.Pending(); n != 0 {
			t.Fatalf("Pending() = %d, want 0: an invalid request is not stored", n)
		}
	})
}

// TestReplyCases plays the protocol's table of replies on the link's reply
// topic: the invalid ones are dropped, each valid one reaches the request
// with its key, decoded as the table says.
func TestReplyCases(t *testing.T) {
	b := startEmbedded(t)
	ctl := startController(t, b.Addr())
	orphans := make(chan protocol.Reply, 10)
	opts := options(t, b.Addr(), t.TempDir(), newFakeClock())
	opts.OnReply = func(_ protocol.Request, r protocol.Reply) { orphans <- r }
	l := start(t, opts)
	l.waitUp(t)

	results := map[string]<-chan result{}
	for _, c := range prototest.Replies {
		var head struct{ Key string }
		_ = json.Unmarshal([]byte(c.JSON), &head)
		if c.Want == nil || head.Key == "" || results[head.Key] != nil {
			continue
		}
		req := protocol.Request{Key: head.Key, Op: c.Want.(protocol.Reply).Op}
		switch req.Op {
		case "":
			req.Op = protocol.OpCallNext
		case protocol.OpTicket:
			req.Service = "A"
		case protocol.OpPrinted, protocol.OpVoid:
			req.Ticket = "A023"
		}
		results[head.Key] = l.request(t.Context(), req)
		ctl.nextRequest(t)
	}
	topic := protocol.ReplyTopic(centre, device)
	for _, c := range prototest.Replies {
		if c.Want == nil {
			ctl.publish(t, topic, []byte(c.JSON), false)
		}
	}
	for _, c := range prototest.Replies {
		if c.Want != nil {
			ctl.publish(t, topic, []byte(c.JSON), false)
		}
	}
	for _, c := range prototest.Replies {
		want, ok := c.Want.(protocol.Reply)
		if !ok || want.Key == "" {
			continue
		}
		got := recv(t, results[want.Key], "the reply of case "+c.Name)
		if got.err != nil || !prototest.Equal(got.reply, want) {
			t.Errorf("case %q: Request = %+v, %v; want %+v", c.Name, got.reply, got.err, want)
		}
	}
	if n := l.Pending(); n != 0 {
		t.Errorf("Pending() = %d, want 0", n)
	}
	none(t, orphans, "orphan reply")
}

// TestBrokerRestart: a request made while the broker is down is sent when
// it is back, the subscriptions are made again and the new connection has a
// higher presence sequence.
func TestBrokerRestart(t *testing.T) {
	for _, tc := range brokers {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.start(t)
			ctl := startController(t, b.Addr())
			clk := newFakeClock()
			l := start(t, options(t, b.Addr(), t.TempDir(), clk))
			states := make(chan string, 10)
			l.Subscribe(protocol.ServiceTopic(centre, "land"), func(_ string, p []byte) {
				s, err := protocol.Decode[protocol.ServiceState](p)
				if err != nil {
					t.Errorf("bad service state: %v", err)
				}
				states <- s.At.Format(time.TimeOnly)
			})
			l.waitUp(t)
			first := ctl.nextPresence(t, "first birth", birth)

			// A request sent but not answered before the broker goes.
			ctx := t.Context()
			res1 := l.request(ctx, ticketRequest())
			req1 := ctl.nextRequest(t)

			b.Down(t)
			if up := recv(t, l.up, "the link to go down"); up {
				t.Fatal("OnConnection(true) while the broker is down")
			}
			if l.Connected() {
				t.Error("Connected() true while the broker is down")
			}
			res2 := l.request(ctx, ticketRequest()) // made while down
			b.Up(t)
			ctl = startController(t, b.Addr())
			if !advanceUntil(t, clk, maxBackoff, l.up) {
				t.Fatal("OnConnection(false) while reconnecting")
			}

			// Both requests arrive, without waiting for a resend.
			got := map[string]bool{}
			for range 2 {
				r := ctl.nextRequest(t)
				got[r.Key] = true
				ctl.answer(t, ticketReply(r, "A010"))
			}
			if !got[req1.Key] || len(got) != 2 {
				t.Errorf("requests after the restart: %v, want %q and the one made while down", got, req1.Key)
			}
			for _, res := range []<-chan result{res1, res2} {
				if r := recv(t, res, "the reply"); r.err != nil || !r.reply.OK {
					t.Errorf("Request = %+v, %v", r.reply, r.err)
				}
			}

			second := ctl.nextPresence(t, "birth after the restart", birth)
			if second.Seq <= first.Seq {
				t.Errorf("presence seq %d after the restart, want more than %d", second.Seq, first.Seq)
			}

			// Retained state published after the reconnection arrives.
			st, err := protocol.Encode(protocol.ServiceState{Service: "land", Waiting: 4, At: time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			ctl.publish(t, protocol.ServiceTopic(centre, "land"), st, true)
			if at := recv(t, states, "the service state"); at != "01:02:03" {
				t.Errorf("service state at %s, want 01:02:03", at)
			}
		})
	}
}

// TestLinkRestart: a request left pending by one run is re-sent by the next
// Link on the same StateDir and its reply goes to OnReply.
func TestLinkRestart(t *testing.T) {
	b := startEmbedded(t)
	ctl := startController(t, b.Addr())
	clk := newFakeClock()
	dir := t.TempDir()

	l1 := start(t, options(t, b.Addr(), dir, clk))
	l1.waitUp(t)
	birth1 := ctl.nextPresence(t, "first birth", birth)
	ctx, cancel := context.WithCancel(t.Context())
	res := l1.request(ctx, ticketRequest())
	req := ctl.nextRequest(t)
	cancel()
	if r := recv(t, res, "Request to give up"); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Request: %v, want context.Canceled", r.err)
	}
	l1.stop(t)
	files, _ := filepath.Glob(filepath.Join(dir, outboxDir, "*"+reqSuffix))
	if len(files) != 1 {
		t.Fatalf("outbox holds %v, want one request", files)
	}

	orphans := make(chan [2]string, 1)
	opts := options(t, b.Addr(), dir, clk)
	opts.OnReply = func(q protocol.Request, r protocol.Reply) { orphans <- [2]string{q.Key, r.Ticket.Number} }
	l2 := start(t, opts)
	if n := l2.Pending(); n != 1 {
		t.Fatalf("Pending() = %d on the new Link, want 1", n)
	}
	l2.waitUp(t)
	again := ctl.nextRequest(t)
	if again.Key != req.Key || again.Service != req.Service {
		t.Fatalf("re-sent request %+v, want %+v", again, req)
	}
	ctl.answer(t, ticketReply(again, "A042"))
	if got := recv(t, orphans, "OnReply"); got != [2]string{req.Key, "A042"} {
		t.Fatalf("OnReply got %v", got)
	}
	if n := l2.Pending(); n != 0 {
		t.Errorf("Pending() = %d after the reply, want 0", n)
	}
	birth2 := ctl.nextPresence(t, "second birth", birth)
	if birth2.Seq <= birth1.Seq {
		t.Errorf("seq %d after the restart, want more than %d", birth2.Seq, birth1.Seq)
	}
	l2.stop(t) // the request leaves the outbox after OnReply returns
	files, _ = filepath.Glob(filepath.Join(dir, outboxDir, "*"))
	if len(files) != 0 {
		t.Errorf("outbox holds %v after the reply, want nothing", files)
	}
}

// TestSlowHandler: a handler that blocks holds up neither replies nor paho;
// the handler's queue drops its oldest messages.
func TestSlowHandler(t *testing.T) {
	b := startEmbedded(t)
	ctl := startController(t, b.Addr())
	l := start(t, options(t, b.Addr(), t.TempDir(), newFakeClock()))
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	seen := make(chan int, 1000)
	l.Subscribe(protocol.CallTopic(centre), func(_ string, p []byte) {
		c, err := protocol.Decode[protocol.Call](p)
		if err != nil {
			t.Errorf("bad call: %v", err)
		}
		if c.Repeat == 0 {
			entered <- struct{}{}
			<-release
		}
		seen <- c.Repeat
	})
	l.waitUp(t)
	call := func(i int) {
		b, err := protocol.Encode(protocol.Call{Ticket: "A001", Service: "land", Counter: "q1", Repeat: i})
		if err != nil {
			t.Fatal(err)
		}
		ctl.publish(t, protocol.CallTopic(centre), b, false)
	}
	call(0)
	recv(t, entered, "the handler to start")

	const n = queueLimit + 50
	for i := 1; i <= n; i++ {
		call(i)
	}
	res := l.request(t.Context(), ticketRequest())
	ctl.answer(t, ticketReply(ctl.nextRequest(t), "A100"))
	if r := recv(t, res, "the reply while a handler blocks"); r.err != nil {
		t.Fatal(r.err)
	}

	close(release)
	var got []int
	for len(got) == 0 || got[len(got)-1] != n {
		got = append(got, recv(t, seen, "the calls"))
	}
	if got[0] != 0 || len(got) > queueLimit+1 {
		t.Errorf("handler saw %d calls starting with %d, want call 0 then at most %d", len(got), got[0], queueLimit)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("calls out of order: %v", got)
		}
	}
}

// TestPresence: births carry the health, a stale death makes the link
// publish its birth again, a cut connection leaves the last will, and Run's
// end publishes the offline presence.
func TestPresence(t *testing.T) {
	for _, tc := range brokers {
		t.Run(tc.name, func(t *testing.T) { testPresence(t, tc.start(t)) })
	}
}

func testPresence(t *testing.T, b testBroker) {
	p := startProxy(t, b.Addr())
	ctl := startController(t, b.Addr())
	clk := newFakeClock()
	var health atomic.Value
	health.Store(protocol.Health{Status: protocol.HealthOK, Printer: protocol.PrinterOK})
	opts := options(t, p.Addr(), t.TempDir(), clk)
	opts.Health = func() protocol.Health { return health.Load().(protocol.Health) }
	l := start(t, opts)
	l.waitUp(t)

	b1 := ctl.nextPresence(t, "birth", birth)
	if b1.Device != device || b1.Kind != protocol.DeviceKiosk || b1.Firmware != "test-1.0" ||
		b1.Health == nil || b1.Health.Printer != protocol.PrinterOK || !b1.At.Equal(clk.Now()) {
		t.Errorf("birth %+v", b1)
	}

	health.Store(protocol.Health{Status: protocol.HealthDegraded, Printer: protocol.PrinterPaperLow})
	l.PublishPresence()
	b2 := ctl.nextPresence(t, "birth with new health", birth)
	if b2.Seq != b1.Seq || b2.Health == nil || b2.Health.Printer != protocol.PrinterPaperLow {
		t.Errorf("birth after PublishPresence %+v, want seq %d and paper low", b2, b1.Seq)
	}

	// A late last will of an earlier connection replaces the birth.
	stale, err := protocol.Encode(protocol.Presence{Device: device, Kind: protocol.DeviceKiosk, Seq: b1.Seq - 1})
	if err != nil {
		t.Fatal(err)
	}
	ctl.publish(t, protocol.PresenceTopic(centre, device), stale, true)
	b3 := ctl.nextPresence(t, "birth after the stale death", birth)
	if b3.Seq != b1.Seq {
		t.Errorf("birth after the stale death has seq %d, want %d", b3.Seq, b1.Seq)
	}

	// The network goes: the broker publishes the last will.
	p.sever()
	will := ctl.nextPresence(t, "last will", func(p protocol.Presence) bool { return !p.Online })
	if will.Seq != b1.Seq {
		t.Errorf("last will has seq %d, want %d", will.Seq, b1.Seq)
	}
	if up := recv(t, l.up, "the link to go down"); up {
		t.Fatal("OnConnection(true), want false")
	}
	advanceUntil(t, clk, maxBackoff, l.up)
	b4 := ctl.nextPresence(t, "birth after reconnecting", birth)
	if b4.Seq <= b1.Seq {
		t.Errorf("birth after reconnecting has seq %d, want more than %d", b4.Seq, b1.Seq)
	}

	l.stop(t)
	bye := ctl.nextPresence(t, "offline presence", func(p protocol.Presence) bool { return !p.Online })
	if bye.Seq != b4.Seq {
		t.Errorf("offline presence has seq %d, want %d", bye.Seq, b4.Seq)
	}
}

// TestBackoff: reconnection attempts wait 0.5 s doubling to 5 s, with
// jitter, on the Clock, and each attempt takes a new presence sequence.
func TestBackoff(t *testing.T) {
	addr := servertest.Addr(t)
	clk := newFakeClock()
	first := uint64(clk.Now().Unix()) // a new StateDir starts from the clock
	dir := t.TempDir()
	l := start(t, options(t, addr, dir, clk))
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, b := range want {
		recv(t, clk.Asked(), "a reconnection timer")
		ds := clk.Durations()
		if len(ds) != i+1 {
			t.Fatalf("timers %v, want %d", ds, i+1)
		}
		if d := ds[i]; d < b/2 || d > b {
			t.Errorf("wait %d is %s, want between %s and %s", i, d, b/2, b)
		}
		clk.Advance(ds[i])
	}
	recv(t, clk.Asked(), "a reconnection timer")
	l.stop(t)
	seq, err := readSeq(dir)
	if err != nil {
		t.Fatal(err)
	}
	if attempts := len(want) + 1; seq != first+uint64(attempts) {
		t.Errorf("seq %d after %d attempts, want %d", seq, attempts, first+uint64(attempts))
	}
	if l.Connected() {
		t.Error("Connected() true")
	}
	none(t, l.up, "OnConnection")
}

// TestRunStops: Run returns nil when its context ends and leaves no
// goroutine behind; a second Run at the same time is refused.
func TestRunStops(t *testing.T) {
	b := startEmbedded(t)
	p := startProxy(t, b.Addr())
	ctl := startController(t, b.Addr())
	clk := newFakeClock()
	before := runtime.NumGoroutine()

	l := start(t, options(t, p.Addr(), t.TempDir(), clk))
	l.Subscribe(protocol.BoardTopic(centre), func(string, []byte) {})
	l.waitUp(t)
	// A lost connection leaves nothing behind either.
	p.sever()
	if up := recv(t, l.up, "the link to go down"); up {
		t.Fatal("OnConnection(true), want false")
	}
	advanceUntil(t, clk, maxBackoff, l.up)
	if err := l.Run(t.Context()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}
	res := l.request(t.Context(), ticketRequest())
	ctl.answer(t, ticketReply(ctl.nextRequest(t), "A001"))
	recv(t, res, "the reply")
	l.stop(t)
	if up := recv(t, l.up, "OnConnection(false)"); up || l.Connected() {
		t.Error("still up after Run returned")
	}

	deadline := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before the link:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		<-time.After(10 * time.Millisecond)
	}
}

// TestOutboxDurable: requests are stored before being sent, survive a
// restart without a broker, and damaged files are set aside.
func TestOutboxDurable(t *testing.T) {
	dir := t.TempDir()
	addr := servertest.Addr(t)
	l, err := New(options(t, addr, dir, newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		_, err := l.Request(ctx, ticketRequest())
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Request without Run: %v, want DeadlineExceeded", err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Request(ctx, ticketRequest()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Request after its deadline: %v", err)
	}
	if n := l.Pending(); n != 3 {
		t.Fatalf("Pending() = %d, want 3", n)
	}
	// Leftovers of a power cut, and a damaged file.
	out := filepath.Join(dir, outboxDir)
	must(t, os.WriteFile(filepath.Join(out, tmpPrefix+"half"), []byte(`{"v":1,`), 0o600))
	must(t, os.WriteFile(filepath.Join(out, "ffffffffffffffff-6b.req"), []byte("garbage"), 0o600))

	l2, err := New(options(t, addr, dir, newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	if n := l2.Pending(); n != 3 {
		t.Errorf("Pending() = %d after a restart, want 3", n)
	}
	if l2.nextN != 3 {
		t.Errorf("next request number %d, want 3", l2.nextN)
	}
	names, _ := filepath.Glob(filepath.Join(out, "*"))
	var bad, tmp int
	for _, n := range names {
		bad += btoi(strings.HasSuffix(n, badSuffix))
		tmp += btoi(strings.HasPrefix(filepath.Base(n), tmpPrefix))
	}
	if bad != 1 || tmp != 0 {
		t.Errorf("outbox %v: want one .bad file and no temporary file", names)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestOutboxFailure: a request that cannot be stored is not sent.
func TestOutboxFailure(t *testing.T) {
	dir := t.TempDir()
	l, err := New(options(t, servertest.Addr(t), dir, newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, outboxDir)
	must(t, os.RemoveAll(out))
	must(t, os.WriteFile(out, nil, 0o600)) // a file where the folder was
	if _, err := l.Request(t.Context(), ticketRequest()); !errors.Is(err, ErrOutbox) {
		t.Fatalf("Request: %v, want ErrOutbox", err)
	}
	if n := l.Pending(); n != 0 {
		t.Errorf("Pending() = %d, want 0", n)
	}
}
