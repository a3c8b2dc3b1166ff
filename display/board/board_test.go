package board

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newFakeClock is the tests' clock, at 09:00 UTC.
func newFakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) }

// eventually is servertest.Eventually with this package's 10 s.
func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	servertest.Eventually(t, what, 10*time.Second, ok)
}

// checkLeaks fails the test if goroutines it started outlive it. Register
// it first: cleanups run last in, first out.
func checkLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("%d goroutines left over:\n%s", runtime.NumGoroutine()-before, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func call(ticket, counter string, sec int) protocol.Call {
	return protocol.Call{V: protocol.Version, Ticket: ticket, Service: ticket[:1], Counter: counter, At: t0.Add(time.Duration(sec) * time.Second)}
}

// The highlight queue: a burst of calls is shown one by one, each for at
// least the minimum; a newer call of a counter replaces its waiting one.
func TestHighlights(t *testing.T) {
	type step struct {
		at      int // seconds after t0
		push    *protocol.Call
		want    string // ticket shown after the step
		queued  int
		changed bool
	}
	c := func(ticket, counter string) *protocol.Call { x := call(ticket, counter, 0); return &x }
	tests := []struct {
		name  string
		steps []step
	}{
		{"one call shows at once", []step{
			{at: 0, push: c("A001", "1"), want: "A001", changed: true},
			{at: 60, want: "A001"},
		}},
		{"a burst waits its turn", []step{
			{at: 0, push: c("A001", "1"), want: "A001", changed: true},
			{at: 1, push: c("B001", "2"), want: "A001", queued: 1},
			{at: 1, push: c("C001", "3"), want: "A001", queued: 2},
			{at: 4, want: "A001", queued: 2},
			{at: 5, want: "B001", queued: 1, changed: true},
			{at: 9, want: "B001", queued: 1},
			{at: 10, want: "C001", changed: true},
			{at: 15, want: "C001"},
		}},
		{"a late call shows at once", []step{
			{at: 0, push: c("A001", "1"), want: "A001", changed: true},
			{at: 7, push: c("A002", "2"), want: "A002", changed: true},
		}},
		{"a newer call of a counter replaces its waiting one", []step{
			{at: 0, push: c("A001", "1"), want: "A001", changed: true},
			{at: 1, push: c("B001", "2"), want: "A001", queued: 1},
			{at: 2, push: c("B002", "2"), want: "A001", queued: 1},
			{at: 5, want: "B002", changed: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := highlights{min: 5 * time.Second}
			for i, s := range tt.steps {
				now := t0.Add(time.Duration(s.at) * time.Second)
				var changed bool
				if s.push != nil {
					changed = h.push(*s.push, now)
				} else {
					changed = h.advance(now)
				}
				got := h.snapshot(now)
				if got == nil || got.Call.Ticket != s.want || got.Queued != s.queued || changed != s.changed {
					t.Fatalf("step %d at %ds: got %+v changed %v, want %s queued %d changed %v", i, s.at, got, changed, s.want, s.queued, s.changed)
				}
			}
		})
	}
}

func newBoard(t *testing.T, clk clock.Clock) (*Board, context.CancelFunc) {
	b := New(Options{Centre: "ninh-kieu", Title: "Trung tâm Phục vụ hành chính công phường Ninh Kiều",
		Clock: clk, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { b.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return b, cancel
}

func publish(t *testing.T, b *Board, topic string, p any) {
	t.Helper()
	var data []byte
	var err error
	switch p := p.(type) {
	case protocol.Call:
		data, err = protocol.Encode(p)
	case protocol.BoardState:
		data, err = protocol.Encode(p)
	case protocol.ServiceState:
		data, err = protocol.Encode(p)
	case protocol.ControllerState:
		data, err = protocol.Encode(p)
	}
	if err != nil {
		t.Fatal(err)
	}
	b.HandleMessage(topic, data)
}

// The board's state from MQTT messages: the lists are up to date with call
// events before the retained board state catches up, duplicates are
// ignored, and online needs both the link and the controller. No network:
// the real clock in a synctest bubble, which also fails the test if Run
// outlives it.
func TestState(t *testing.T) {
	synctest.Test(t, testState)
}

func testState(t *testing.T) {
	b, _ := newBoard(t, nil)
	const centre = "ninh-kieu"
	publish(t, b, protocol.ServiceTopic(centre, "A"), protocol.ServiceState{Service: "A", Names: map[string]string{"vi": "Đất đai", "en": "Land"}, Waiting: 3, At: t0})
	publish(t, b, protocol.ServiceTopic(centre, "B"), protocol.ServiceState{Service: "B", Names: map[string]string{"vi": "Hộ tịch"}, Waiting: 1, At: t0})
	publish(t, b, protocol.ServiceTopic("other-centre", "C"), protocol.ServiceState{Service: "C", At: t0})
	if s := b.State(); s.Online || len(s.Services) != 2 || s.Services[0].Names["vi"] != "Đất đai" || s.Services[0].Waiting != 3 {
		t.Fatalf("services: %+v", s)
	}
	publish(t, b, protocol.ControllerTopic(centre), protocol.ControllerState{Online: true})
	if b.State().Online {
		t.Error("online without the link")
	}
	b.SetConnected(true)
	if !b.State().Online {
		t.Error("not online with link and controller")
	}

	old := call("A000", "2", -60)
	publish(t, b, protocol.BoardTopic(centre), protocol.BoardState{Current: []protocol.Call{old}, Recent: []protocol.Call{old}, At: old.At})
	c1, c2 := call("A001", "1", 1), call("B001", "2", 2)
	publish(t, b, protocol.CallTopic(centre), c1)
	publish(t, b, protocol.CallTopic(centre), c2)
	publish(t, b, protocol.CallTopic(centre), c2) // QoS 1 may deliver twice
	s := b.State()
	tickets := func(calls []protocol.Call) string {
		var out []string
		for _, c := range calls {
			out = append(out, c.Ticket+"@"+c.Counter)
		}
		return strings.Join(out, " ")
	}
	if got := tickets(s.Recent); got != "B001@2 A001@1 A000@2" {
		t.Errorf("recent: %s", got)
	}
	if got := tickets(s.Current); got != "B001@2 A001@1" {
		t.Errorf("current: %s", got)
	}
	if s.Highlight == nil || s.Highlight.Call.Ticket != "A001" || s.Highlight.Queued != 1 {
		t.Errorf("highlight: %+v", s.Highlight)
	}
	// The retained board state catches up: it is the truth.
	publish(t, b, protocol.BoardTopic(centre), protocol.BoardState{Current: []protocol.Call{c2, c1}, Recent: []protocol.Call{c2, c1, old}, At: c2.At})
	if got := tickets(b.State().Recent); got != "B001@2 A001@1 A000@2" {
		t.Errorf("recent after the board state: %s", got)
	}
	// The queued call gets its turn after the minimum time, by Run.
	time.Sleep(DefaultMinHighlight - time.Nanosecond) // virtual: the bubble's clock
	synctest.Wait()
	if h := b.State().Highlight; h == nil || h.Call.Ticket != "A001" {
		t.Errorf("highlight before the minimum time: %+v", h)
	}
	time.Sleep(time.Nanosecond)
	synctest.Wait()
	if h := b.State().Highlight; h == nil || h.Call.Ticket != "B001" {
		t.Errorf("highlight after the minimum time: %+v, want B001", h)
	}

	publish(t, b, protocol.ControllerTopic(centre), protocol.ControllerState{Online: false})
	if b.State().Online {
		t.Error("online after the controller's last will")
	}
}

// sse reads a text/event-stream.
type sse struct {
	r *bufio.Reader
}

func (s sse) next(t *testing.T) (event string, data []byte) {
	t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && event != "":
			return event, data
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = []byte(strings.TrimPrefix(line, "data: "))
		}
	}
}

// GET /events: the full state first, the state again with a highlight after
// a call, a heartbeat when the hall is quiet, and the full state again on
// reconnection.
func TestEvents(t *testing.T) {
	checkLeaks(t)
	clock := newFakeClock()
	b, _ := newBoard(t, clock)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	const centre = "ninh-kieu"
	b.SetConnected(true)
	publish(t, b, protocol.ControllerTopic(centre), protocol.ControllerState{Online: true})
	publish(t, b, protocol.ServiceTopic(centre, "A"), protocol.ServiceState{Service: "A", Names: map[string]string{"vi": "Đất đai"}, Waiting: 2, At: t0})

	open := func() (sse, func()) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/events")
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("Content-Type %q", ct)
		}
		return sse{bufio.NewReader(resp.Body)}, func() { resp.Body.Close() }
	}
	state := func(data []byte) State {
		t.Helper()
		var s State
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	stream, closeStream := open()
	ev, data := stream.next(t)
	if s := state(data); ev != "state" || !s.Online || len(s.Services) != 1 || s.Services[0].Names["vi"] != "Đất đai" || s.Services[0].Waiting != 2 {
		t.Fatalf("first event %s %s", ev, data)
	}

	publish(t, b, protocol.CallTopic(centre), call("A001", "5", 1))
	ev, data = stream.next(t)
	var h Highlight
	if err := json.Unmarshal(data, &h); ev != "highlight" || err != nil || h.Call.Ticket != "A001" || h.Call.Counter != "5" || h.RemainingMS != 5000 {
		t.Fatalf("after a call: %s %s", ev, data)
	}
	ev, data = stream.next(t)
	if s := state(data); ev != "state" || len(s.Recent) != 1 || s.Recent[0].Ticket != "A001" || s.Current[0].Counter != "5" {
		t.Fatalf("state after a call: %s %s", ev, data)
	}

	// Heartbeat: the stream's ping timer is the only one on the clock.
	eventually(t, "the heartbeat timer", func() bool { return clock.Waiters() == 1 })
	clock.Advance(DefaultHeartbeat)
	if ev, _ = stream.next(t); ev != "ping" {
		t.Fatalf("after the heartbeat interval: %s", ev)
	}
	closeStream()

	// A page that reconnects is never stale: the full state comes first.
	stream, closeStream = open()
	defer closeStream()
	if ev, _ := stream.next(t); ev != "highlight" {
		t.Fatalf("on reconnection: %s", ev)
	}
	if ev, data := stream.next(t); ev != "state" || len(state(data).Recent) != 1 {
		t.Fatalf("on reconnection: %s %s", ev, data)
	}
}

// The page is UTF-8, Vietnamese, with a font stack that covers Vietnamese.
func TestPage(t *testing.T) {
	b := New(Options{Centre: "ninh-kieu", Logger: quiet})
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{`<html lang="vi">`, `<meta charset="utf-8">`, `"DejaVu Sans", "Noto Sans", sans-serif`, "Mất kết nối", `new EventSource("events")`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// The voice announcer hears each call once, however often it is delivered.
func TestOnCallOncePerCall(t *testing.T) {
	var heard []string
	b := New(Options{Centre: "ninh-kieu", Clock: newFakeClock(), OnCall: func(c protocol.Call) {
		heard = append(heard, fmt.Sprint(c.Ticket, "@", c.Counter, "#", c.Repeat))
	}})
	call := protocol.Call{Ticket: "A023", Service: "A", Counter: "5", At: t0}
	b.AddCall(call)
	b.AddCall(call) // delivered twice (QoS 1)
	call.Repeat, call.At = 1, t0.Add(time.Minute)
	b.AddCall(call) // call again
	if len(heard) != 2 || heard[0] != "A023@5#0" || heard[1] != "A023@5#1" {
		t.Errorf("announced %v", heard)
	}
}
