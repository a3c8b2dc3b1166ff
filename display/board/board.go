package board

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/protocol"
)

// Defaults.
const (
	DefaultMinHighlight = 5 * time.Second
	DefaultHeartbeat    = 10 * time.Second
	// historyLimit bounds the call events kept; the page shows fewer.
	historyLimit = protocol.MaxBoardCalls
)

// Options configure a Board.
type Options struct {
	// Centre is the centre id; messages of other centres are ignored.
	Centre string
	// Title is shown at the top of the page, like the centre's name.
	Title string
	// Langs are the page's languages, main first: "vi", "en". Default vi, en.
	Langs []string
	// Zone is the IANA zone of the clock on the page; default Asia/Ho_Chi_Minh.
	Zone string
	// MinHighlight is the least time each new call is shown big before the
	// next; 0 is DefaultMinHighlight.
	MinHighlight time.Duration
	// Heartbeat is the interval of the event stream's ping; 0 is
	// DefaultHeartbeat. The page shows disconnected after 2.5 of them.
	Heartbeat time.Duration
	// Clock keeps the highlight queue and the heartbeat; nil is the real
	// clock.
	Clock clock.Clock
	// OnCall, if set, is told of each new call once, duplicates left out:
	// the voice announcer hangs here. It must not block.
	OnCall func(protocol.Call)
	Logger *slog.Logger
}

// Service is a service queue as the board shows it.
type Service struct {
	ID      string            `json:"id"`
	Names   map[string]string `json:"names"`
	Waiting int               `json:"waiting"`
}

// State is everything the page shows, sent whole on every change.
type State struct {
	Title string   `json:"title"`
	Langs []string `json:"langs"`
	Zone  string   `json:"zone"`
	// Online is Link and Controller: the feed can be trusted.
	Online     bool `json:"online"`
	Link       bool `json:"link"`
	Controller bool `json:"controller"`
	// Current holds the latest call of each serving counter, newest first.
	Current []protocol.Call `json:"current"`
	// Recent holds the latest calls, newest first.
	Recent    []protocol.Call `json:"recent"`
	Services  []Service       `json:"services"`
	Highlight *Highlight      `json:"highlight,omitempty"`
	// HeartbeatMS is the stream's ping interval.
	HeartbeatMS int64 `json:"heartbeat_ms"`
}

// Board keeps the hall board's state and serves its page.
type Board struct {
	opts Options
	log  *slog.Logger

	mu         sync.Mutex // guards what follows
	link       bool
	controller bool
	board      protocol.BoardState
	services   map[string]protocol.ServiceState
	calls      []protocol.Call // call events, newest first
	hl         highlights
	subs       map[chan struct{}]struct{}

	wake chan struct{} // the highlight queue changed: Run recomputes its timer
	done chan struct{} // closed when Run ends: event streams end too
	once sync.Once
}

// New returns a board. Run must run for queued calls to get their turn.
func New(opts Options) *Board {
	if len(opts.Langs) == 0 {
		opts.Langs = []string{"vi", "en"}
	}
	if opts.Zone == "" {
		opts.Zone = "Asia/Ho_Chi_Minh"
	}
	if opts.MinHighlight <= 0 {
		opts.MinHighlight = DefaultMinHighlight
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	opts.Clock = clock.Or(opts.Clock)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Board{opts: opts, log: opts.Logger.With("centre", opts.Centre),
		services: map[string]protocol.ServiceState{}, hl: highlights{min: opts.MinHighlight},
		subs: map[chan struct{}]struct{}{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// SetConnected is the device link's OnConnection: the board shows
// disconnected while the link is down.
func (b *Board) SetConnected(up bool) {
	b.mu.Lock()
	changed := b.link != up
	b.link = up
	b.mu.Unlock()
	if changed {
		b.log.Info("link", "up", up)
		b.changed()
	}
}

// HandleMessage takes a message of the centre's state tree or call events,
// as the device link's Subscribe handler.
func (b *Board) HandleMessage(topic string, payload []byte) {
	t, err := protocol.ParseTopic(topic)
	if err != nil || t.Centre != b.opts.Centre || len(payload) == 0 {
		return
	}
	switch t.Kind {
	case protocol.KindBoard:
		take(b, "board state", topic, payload, b.SetBoard)
	case protocol.KindService:
		take(b, "service state", topic, payload, b.SetService)
	case protocol.KindController:
		take(b, "controller state", topic, payload, b.SetController)
	case protocol.KindCall:
		take(b, "call", topic, payload, b.AddCall)
	}
}

// take decodes payload and hands it to set; a payload that does not
// decode is logged as a bad what and dropped.
func take[T protocol.Payload](b *Board, what, topic string, payload []byte, set func(T)) {
	v, err := protocol.Decode[T](payload)
	if err != nil {
		b.log.Warn("bad "+what, "topic", topic, "err", err)
		return
	}
	set(v)
}

// SetBoard takes the controller's retained board state.
func (b *Board) SetBoard(s protocol.BoardState) {
	b.mu.Lock()
	if !s.At.Before(b.board.At) {
		b.board = s
	}
	b.mu.Unlock()
	b.changed()
}

// SetService takes a service queue's retained state.
func (b *Board) SetService(s protocol.ServiceState) {
	b.mu.Lock()
	if old, ok := b.services[s.Service]; !ok || !s.At.Before(old.At) {
		b.services[s.Service] = s
	}
	b.mu.Unlock()
	b.changed()
}

// SetController takes the controller's retained status (or its last will).
func (b *Board) SetController(s protocol.ControllerState) {
	b.mu.Lock()
	changed := b.controller != s.Online
	b.controller = s.Online
	b.mu.Unlock()
	if changed {
		b.log.Info("controller", "online", s.Online, "version", s.Version)
		b.changed()
	}
}

func callKey(c protocol.Call) string {
	return fmt.Sprintf("%s|%s|%d|%d", c.Ticket, c.Counter, c.Repeat, c.At.UnixNano())
}

// AddCall takes a call event: it goes on the lists at once and into the
// highlight queue. A repeated delivery of the same event (QoS 1) is ignored.
func (b *Board) AddCall(c protocol.Call) {
	b.mu.Lock()
	key := callKey(c)
	if slices.ContainsFunc(b.calls, func(o protocol.Call) bool { return callKey(o) == key }) {
		b.mu.Unlock()
		return
	}
	b.calls = append([]protocol.Call{c}, b.calls...)
	slices.SortStableFunc(b.calls, func(x, y protocol.Call) int { return y.At.Compare(x.At) })
	if len(b.calls) > historyLimit {
		b.calls = b.calls[:historyLimit]
	}
	b.hl.push(c, b.opts.Clock.Now())
	b.mu.Unlock()
	b.log.Info("call", "ticket", c.Ticket, "counter", c.Counter, "repeat", c.Repeat)
	select {
	case b.wake <- struct{}{}:
	default:
	}
	b.changed()
	if b.opts.OnCall != nil {
		b.opts.OnCall(c)
	}
}

// Run gives queued calls their turn in the highlight until ctx ends. The
// page's event streams end with it.
func (b *Board) Run(ctx context.Context) error {
	defer b.once.Do(func() { close(b.done) })
	for {
		b.mu.Lock()
		now := b.opts.Clock.Now()
		advanced := b.hl.advance(now)
		at, ok := b.hl.due()
		b.mu.Unlock()
		if advanced {
			b.changed()
		}
		var timer <-chan time.Time
		if ok {
			timer = b.opts.Clock.After(at.Sub(now))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-b.wake:
		case <-timer:
		}
	}
}

// State is what the page shows now.
func (b *Board) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := State{Title: b.opts.Title, Langs: b.opts.Langs, Zone: b.opts.Zone,
		Link: b.link, Controller: b.controller, Online: b.link && b.controller,
		HeartbeatMS: b.opts.Heartbeat.Milliseconds(),
		Highlight:   b.hl.snapshot(b.opts.Clock.Now())}
	s.Current, s.Recent = merge(b.board, b.calls)
	for _, id := range sortedKeys(b.services) {
		svc := b.services[id]
		s.Services = append(s.Services, Service{ID: id, Names: svc.Names, Waiting: svc.Waiting})
	}
	if s.Services == nil {
		s.Services = []Service{}
	}
	return s
}

// merge puts the call events newer than the retained board state onto its
// lists, so that the lists are up to date whichever arrives first.
func merge(bs protocol.BoardState, calls []protocol.Call) (current, recent []protocol.Call) {
	current = slices.Clone(bs.Current)
	recent = slices.Clone(bs.Recent)
	for i := len(calls) - 1; i >= 0; i-- { // oldest first
		c := calls[i]
		if !c.At.After(bs.At) {
			continue
		}
		key := callKey(c)
		if !slices.ContainsFunc(recent, func(o protocol.Call) bool { return callKey(o) == key }) {
			recent = append([]protocol.Call{c}, recent...)
		}
		current = slices.DeleteFunc(current, func(o protocol.Call) bool { return o.Counter == c.Counter })
		current = append([]protocol.Call{c}, current...)
	}
	if len(recent) > protocol.MaxBoardCalls {
		recent = recent[:protocol.MaxBoardCalls]
	}
	if current == nil {
		current = []protocol.Call{}
	}
	if recent == nil {
		recent = []protocol.Call{}
	}
	return current, recent
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}

// changed tells every event stream to send the state again.
func (b *Board) changed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (b *Board) subscribe() (ch chan struct{}, cancel func()) {
	ch = make(chan struct{}, 1)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}
}
