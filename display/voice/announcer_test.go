package voice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/display/voice"
	"github.com/sothutu/sothutu/display/voice/voicetest"
	"github.com/sothutu/sothutu/protocol"
)

// nameComposer "composes" a call as its text, so that tests read what was
// played.
type nameComposer struct{}

func (nameComposer) Compose(c protocol.Call, lang string) ([]byte, error) {
	if c.Ticket == "bad" {
		return nil, errors.New("cannot compose")
	}
	return fmt.Appendf(nil, "%s:%s@%s#%d", lang, c.Ticket, c.Counter, c.Repeat), nil
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start runs a in a goroutine and returns a function that stops it and
// checks that Run returned.
func start(t *testing.T, a *voice.Announcer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

func strs(b [][]byte) []string {
	out := make([]string, len(b))
	for i, x := range b {
		out[i] = string(x)
	}
	return out
}

// next waits for the next play to start.
func next(t *testing.T, started chan []byte) string {
	t.Helper()
	select {
	case b := <-started:
		return string(b)
	case <-time.After(5 * time.Second):
		t.Fatal("no announcement started")
		return ""
	}
}

// nextN returns the next n announcements, in the order they started.
func nextN(t *testing.T, started chan []byte, n int) []string {
	t.Helper()
	got := make([]string, n)
	for i := range got {
		got[i] = next(t, started)
	}
	return got
}

func TestAnnouncerOrderAndRepeat(t *testing.T) {
	p := &voicetest.Player{Started: make(chan []byte, 100)}
	a := voice.NewAnnouncer(nameComposer{}, p, voice.Options{Langs: []string{"vi", "en"}, Logger: discard()})
	a.Say(protocol.Call{Ticket: "A001", Counter: "1"})
	a.Say(protocol.Call{Ticket: "B002", Counter: "2"})
	a.Say(protocol.Call{Ticket: "A001", Counter: "1", Repeat: 1})
	stop := start(t, a)
	defer stop()
	want := []string{"vi:A001@1#0", "en:A001@1#0", "vi:B002@2#0", "en:B002@2#0", "vi:A001@1#1", "en:A001@1#1"}
	got := nextN(t, p.Started, len(want))
	if !slices.Equal(got, want) {
		t.Errorf("played %q, want %q", got, want)
	}
}

// TestAnnouncerNoOverlap has many counters call at once while each
// announcement is held until the test lets it end.
func TestAnnouncerNoOverlap(t *testing.T) {
	p := &voicetest.Player{Started: make(chan []byte), Hold: make(chan struct{})}
	a := voice.NewAnnouncer(nameComposer{}, p, voice.Options{QueueSize: 100, Logger: discard()})
	stop := start(t, a)
	defer stop()
	const counters, calls = 5, 4
	var wg sync.WaitGroup
	for c := range counters {
		wg.Go(func() {
			for i := range calls {
				a.Say(protocol.Call{Ticket: fmt.Sprintf("A%d%d", c, i), Counter: fmt.Sprint(c)})
			}
		})
	}
	var got []string
	for range counters * calls {
		got = append(got, next(t, p.Started))
		p.Hold <- struct{}{}
	}
	wg.Wait()
	if n := p.Overlaps(); n != 0 {
		t.Errorf("%d announcements overlapped", n)
	}
	// Each counter's calls are heard in the order it made them.
	for c := range counters {
		var mine []string
		for _, s := range got {
			if strings.HasSuffix(s, fmt.Sprintf("@%d#0", c)) {
				mine = append(mine, s)
			}
		}
		want := make([]string, calls)
		for i := range calls {
			want[i] = fmt.Sprintf("vi:A%d%d@%d#0", c, i, c)
		}
		if !slices.Equal(mine, want) {
			t.Errorf("counter %d: played %q, want %q", c, mine, want)
		}
	}
}

func TestAnnouncerBoundedQueue(t *testing.T) {
	var logs bytes.Buffer
	p := &voicetest.Player{Started: make(chan []byte, 100)}
	a := voice.NewAnnouncer(nameComposer{}, p, voice.Options{QueueSize: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 10 { // Say never blocks, even with nobody playing.
		a.Say(protocol.Call{Ticket: fmt.Sprintf("A%03d", i), Counter: "1"})
	}
	if n := a.Pending(); n != 3 {
		t.Errorf("Pending() = %d, want 3", n)
	}
	if n := strings.Count(logs.String(), "dropping oldest"); n != 7 {
		t.Errorf("logged %d drops, want 7:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "ticket=A000") {
		t.Errorf("drop log does not name ticket A000:\n%s", logs.String())
	}
	stop := start(t, a)
	defer stop()
	want := []string{"vi:A007@1#0", "vi:A008@1#0", "vi:A009@1#0"}
	got := nextN(t, p.Started, len(want))
	if !slices.Equal(got, want) {
		t.Errorf("played %q, want the newest %q", got, want)
	}
}

func TestAnnouncerFailuresDoNotStopQueue(t *testing.T) {
	p := &voicetest.Player{
		Started: make(chan []byte, 100),
		Err: func(wav []byte) error {
			if strings.Contains(string(wav), "A001") {
				return errors.New("aplay: device busy")
			}
			return nil
		},
	}
	var logs bytes.Buffer
	a := voice.NewAnnouncer(nameComposer{}, p, voice.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	a.Say(protocol.Call{Ticket: "A001", Counter: "1"})
	a.Say(protocol.Call{Ticket: "bad", Counter: "1"})
	a.Say(protocol.Call{Ticket: "A002", Counter: "2"})
	stop := start(t, a)
	if got := next(t, p.Started); got != "vi:A001@1#0" {
		t.Errorf("first played %q", got)
	}
	if got := next(t, p.Started); got != "vi:A002@2#0" {
		t.Errorf("after a failure played %q, want vi:A002@2#0", got)
	}
	stop()
	for _, want := range []string{"device busy", "cannot compose"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestAnnouncerCancel(t *testing.T) {
	p := &voicetest.Player{Started: make(chan []byte, 1), Hold: make(chan struct{})}
	a := voice.NewAnnouncer(nameComposer{}, p, voice.Options{Logger: discard()})
	a.Say(protocol.Call{Ticket: "A001", Counter: "1"})
	a.Say(protocol.Call{Ticket: "A002", Counter: "1"})
	stop := start(t, a)
	next(t, p.Started)
	stop() // cancels the held play; Run returns without playing A002
	if got := strs(p.Played()); !slices.Equal(got, []string{"vi:A001@1#0"}) {
		t.Errorf("played %q", got)
	}
}

func TestAnnouncerPlayTimeout(t *testing.T) {
	// A player stuck until its context ends must not stop the queue.
	p := &voicetest.Player{Started: make(chan []byte, 100), Hold: make(chan struct{})}
	a := voice.NewAnnouncer(nameComposer{}, p, voice.Options{PlayTimeout: time.Millisecond, Logger: discard()})
	a.Say(protocol.Call{Ticket: "A001", Counter: "1"})
	a.Say(protocol.Call{Ticket: "A002", Counter: "1"})
	stop := start(t, a)
	defer stop()
	next(t, p.Started)
	if got := next(t, p.Started); got != "vi:A002@1#0" {
		t.Errorf("played %q after a stuck play", got)
	}
}

func TestAnnouncerRunTwice(t *testing.T) {
	p := &voicetest.Player{Started: make(chan []byte, 1)}
	a := voice.NewAnnouncer(nameComposer{}, p, voice.Options{Logger: discard()})
	stop := start(t, a)
	defer stop()
	a.Say(protocol.Call{Ticket: "A001", Counter: "1"})
	next(t, p.Started) // Run is surely running now
	if err := a.Run(t.Context()); !errors.Is(err, voice.ErrRunning) {
		t.Errorf("second Run = %v, want %v", err, voice.ErrRunning)
	}
}
