package voice

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// Composer builds the WAV file of a call in a language. *Pack is one.
type Composer interface {
	Compose(call protocol.Call, lang string) ([]byte, error)
}

var _ Composer = &Pack{}

// ErrRunning is returned by Run when the announcer already runs.
var ErrRunning = errors.New("voice: announcer already running")

// Options configure an Announcer. The zero value is usable.
type Options struct {
	// Langs are the languages each call is announced in, in order;
	// empty means Vietnamese only.
	Langs []string
	// QueueSize bounds the calls waiting to be announced; when full the
	// oldest is dropped. Zero means DefaultQueueSize.
	QueueSize int
	// PlayTimeout bounds one announcement, so that a stuck sound card does
	// not stop the queue. Zero means DefaultPlayTimeout.
	PlayTimeout time.Duration
	// Logger receives dropped calls and playback errors; nil discards.
	Logger *slog.Logger
}

// Defaults of Options.
const (
	// DefaultQueueSize is about ten minutes of announcements.
	DefaultQueueSize   = 32
	DefaultPlayTimeout = 30 * time.Second
)

// Announcer announces calls one after another: Say queues a call and Run
// plays the queue, so that two counters calling at once are heard in turn
// and never cut each other off.
type Announcer struct {
	composer Composer
	player   Player
	opts     Options
	log      *slog.Logger

	mu      sync.Mutex
	queue   []protocol.Call
	running bool
	wake    chan struct{} // capacity 1: something was queued
}

// NewAnnouncer returns an announcer that composes with c and plays with p.
// Nothing is played until Run is called.
func NewAnnouncer(c Composer, p Player, opts Options) *Announcer {
	if len(opts.Langs) == 0 {
		opts.Langs = []string{DefaultLang}
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.PlayTimeout <= 0 {
		opts.PlayTimeout = DefaultPlayTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Announcer{composer: c, player: p, opts: opts, log: log, wake: make(chan struct{}, 1)}
}

// Say queues a call to be announced and returns at once. A call again
// (Repeat > 0) is queued like any other call. When the queue is full the
// oldest waiting call is dropped and logged: a late announcement of an old
// call helps nobody.
func (a *Announcer) Say(call protocol.Call) {
	a.mu.Lock()
	if len(a.queue) >= a.opts.QueueSize {
		old := a.queue[0]
		a.queue = a.queue[1:]
		a.log.Warn("voice: queue full, dropping oldest announcement",
			"ticket", old.Ticket, "counter", old.Counter, "repeat", old.Repeat, "queue", a.opts.QueueSize)
	}
	a.queue = append(a.queue, call)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Pending returns the number of calls waiting to be announced, not counting
// the one playing.
func (a *Announcer) Pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queue)
}

// Run plays queued calls one at a time until ctx is done, then returns nil;
// calls still queued are not played. A call that cannot be composed or
// played is logged and skipped. Run must not be called twice at once.
func (a *Announcer) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return ErrRunning
	}
	a.running = true
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.running = false
		a.mu.Unlock()
	}()
	for {
		call, ok := a.next()
		if !ok {
			select {
			case <-ctx.Done():
				return nil
			case <-a.wake:
				continue
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		for _, lang := range a.opts.Langs {
			a.announce(ctx, call, lang)
			if ctx.Err() != nil {
				return nil
			}
		}
	}
}

func (a *Announcer) next() (protocol.Call, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.queue) == 0 {
		return protocol.Call{}, false
	}
	call := a.queue[0]
	a.queue[0] = protocol.Call{}
	a.queue = a.queue[1:]
	return call, true
}

func (a *Announcer) announce(ctx context.Context, call protocol.Call, lang string) {
	log := a.log.With("ticket", call.Ticket, "counter", call.Counter, "repeat", call.Repeat, "lang", lang)
	wav, err := a.composer.Compose(call, lang)
	if err != nil {
		log.Error("voice: cannot compose announcement", "err", err)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, a.opts.PlayTimeout)
	defer cancel()
	if err := a.player.Play(pctx, wav); err != nil && ctx.Err() == nil {
		log.Error("voice: cannot play announcement", "err", err)
	}
}
