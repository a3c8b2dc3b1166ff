package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/display/board"
	"github.com/sothutu/sothutu/firmware/devconfig/devconfigtest"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestExampleConfig(t *testing.T) {
	c, err := parseConfig("board.example.yaml", exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	if c.Device != "board-1" || c.Listen != "127.0.0.1:8082" || c.MinHighlight != 5*time.Second ||
		len(c.Languages) != 2 || !strings.Contains(c.Title, "Ninh Kiều") {
		t.Errorf("example: %+v", c)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown field", "broker:", "brokr:", []string{"board.yaml:6:", `unknown field "brokr"`}},
		{"bad broker", "tcp://192.168.1.10:1883", "192.168.1.10", []string{"broker:", "tcp://"}},
		{"short password", `"doi-mat-khau-board-1"`, `"abc"`, []string{"password", "8 characters"}},
		{"bad language", "[vi, en]", "[vi, fr]", []string{"languages[1]", "vi, en or km"}},
		{"bad zone", "Asia/Ho_Chi_Minh", "Asia/Saigon City", []string{"timezone", "Asia/Ho_Chi_Minh"}},
		{"too short a highlight", "min_highlight: 5s", "min_highlight: 100ms", []string{"min_highlight", "between 1s and 1m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devconfigtest.Mistake(t, parseConfig, "board.yaml", exampleConfig, tt.from, tt.to, tt.want...)
		})
	}
}

// freeAddr is a loopback address reserved by servertest: no other test
// is given it before the board listens on it.
func freeAddr(t testing.TB) string {
	t.Helper()
	return servertest.Addr(t)
}

// eventually is servertest.Eventually with this package's 15 s.
func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	servertest.Eventually(t, what, 15*time.Second, ok)
}

// e2e is the board program running against a controller with its broker.
type e2e struct {
	url  string
	ctl  *centre.Controller
	stop func() // stops the board program and waits for it
	n    int
}

func startBoard(t testing.TB, minHighlight time.Duration) *e2e {
	c := centretest.Start(t, centretest.Options{Logger: quiet})
	ctl, dir := c.Controller(), c.Dir
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	listen := freeAddr(t)
	yaml := strings.NewReplacer(
		"tcp://192.168.1.10:1883", c.URL,
		"/var/lib/sothutu/board", filepath.Join(dir, "board"),
		"127.0.0.1:8082", listen,
		"min_highlight: 5s", "min_highlight: "+minHighlight.String(),
	).Replace(string(exampleConfig))
	cfg, err := parseConfig("board.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	boardCtx, stopBoard := context.WithCancel(ctx)
	var boardDone sync.WaitGroup
	boardDone.Go(func() {
		if err := run(boardCtx, cfg, quiet); err != nil {
			t.Error(err)
		}
	})
	e := &e2e{url: "http://" + listen, ctl: ctl, stop: func() { stopBoard(); boardDone.Wait() }}
	t.Cleanup(e.stop)
	eventually(t, "board online with the services' names", func() bool {
		s, err := e.state()
		return err == nil && s.Online && len(s.Services) == 6
	})
	return e
}

func (e *e2e) state() (board.State, error) {
	var s board.State
	r, err := http.Get(e.url + "/state")
	if err != nil {
		return s, err
	}
	defer r.Body.Close()
	err = json.NewDecoder(r.Body).Decode(&s)
	return s, err
}

// call issues a ticket of service at a kiosk and has counter call next; it
// returns the ticket called.
func (e *e2e) call(t testing.TB, service, counter string) string {
	t.Helper()
	ctx := context.Background()
	e.n++
	key := func(s string) string { return s + "-" + service + counter + "-" + string(rune('a'+e.n)) }
	r, err := e.ctl.Do(ctx, engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk},
		protocol.Request{V: protocol.Version, Key: key("t"), Op: protocol.OpTicket, Service: service, Lang: "vi"})
	if err != nil || !r.OK {
		t.Fatalf("ticket: %v %+v", err, r.Error)
	}
	r, err = e.ctl.Do(ctx, engine.Actor{Device: "counter-" + counter, Kind: protocol.DeviceCounter, Counter: counter},
		protocol.Request{V: protocol.Version, Key: key("c"), Op: protocol.OpCallNext})
	if err != nil || !r.OK || r.Ticket == nil {
		t.Fatalf("call next: %v %+v", err, r.Error)
	}
	return r.Ticket.Number
}

// The board program end to end: a counter's call next reaches the page's
// event stream, with the service's Vietnamese name and the queue counts.
func TestBoardEndToEnd(t *testing.T) {
	e := startBoard(t, 5*time.Second)
	resp, err := http.Get(e.url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan [2]string, 64)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		var ev string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				ev = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				events <- [2]string{ev, v}
			}
		}
	}()
	timeout := time.After(20 * time.Second)
	next := func(want string) board.State {
		t.Helper()
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatal("stream ended")
				}
				if ev[0] != want {
					continue
				}
				var s board.State
				if want == "state" {
					if err := json.Unmarshal([]byte(ev[1]), &s); err != nil {
						t.Fatal(err)
					}
				}
				return s
			case <-timeout:
				t.Fatalf("no %s event within 20s", want)
			}
		}
	}
	first := next("state")
	if !first.Online || len(first.Recent) != 0 || first.Services[0].Names["vi"] != "Đất đai" {
		t.Fatalf("first state: %+v", first)
	}

	number := e.call(t, "A", "1")
	if number != "A001" {
		t.Fatalf("called %s", number)
	}
	next("highlight")
	for {
		s := next("state")
		if s.Highlight != nil && s.Highlight.Call.Ticket == "A001" && len(s.Current) == 1 && s.Current[0].Counter == "1" &&
			len(s.Recent) == 1 && s.Recent[0].Service == "A" {
			break
		}
	}
	// A live update of the retained state tree: one more citizen waits.
	r, err := e.ctl.Do(context.Background(), engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk},
		protocol.Request{V: protocol.Version, Key: "waiting", Op: protocol.OpTicket, Service: "B", Lang: "vi"})
	if err != nil || !r.OK {
		t.Fatalf("ticket: %v %+v", err, r.Error)
	}
	for {
		s := next("state")
		if s.Services[1].ID == "B" && s.Services[1].Waiting == 1 {
			break
		}
	}
}
