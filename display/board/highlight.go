package board

import (
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// highlights is the queue of calls waiting to be shown big on the board.
// Each call is shown for at least min before the next one replaces it; a
// call stays shown after that until another comes. It is not safe for
// concurrent use: the Board's mutex guards it.
type highlights struct {
	min     time.Duration
	seq     uint64
	current *protocol.Call
	since   time.Time
	pending []protocol.Call
}

// push queues c, or shows it at once when the current call had its time.
// It reports whether the shown call changed.
func (h *highlights) push(c protocol.Call, now time.Time) bool {
	if h.current == nil || (len(h.pending) == 0 && !now.Before(h.since.Add(h.min))) {
		h.show(c, now)
		return true
	}
	// A newer call of a counter supersedes its call still waiting: the
	// citizen of the older one is already on the list.
	for i := range h.pending {
		if h.pending[i].Counter == c.Counter {
			h.pending[i] = c
			return false
		}
	}
	h.pending = append(h.pending, c)
	return false
}

// advance shows the next pending call once the current one had its time.
// It reports whether the shown call changed.
func (h *highlights) advance(now time.Time) bool {
	if len(h.pending) == 0 || now.Before(h.since.Add(h.min)) {
		return false
	}
	next := h.pending[0]
	h.pending = h.pending[1:]
	h.show(next, now)
	return true
}

// due is when advance has something to do; ok is false when nothing waits.
func (h *highlights) due() (at time.Time, ok bool) {
	if len(h.pending) == 0 {
		return time.Time{}, false
	}
	return h.since.Add(h.min), true
}

func (h *highlights) show(c protocol.Call, now time.Time) {
	h.seq++
	h.current = &c
	h.since = now
}

// Highlight is the call shown big on the board.
type Highlight struct {
	// Seq increases with each call shown: the page flashes a call once.
	Seq  uint64        `json:"seq"`
	Call protocol.Call `json:"call"`
	// RemainingMS is how long the call keeps its minimum time in the
	// highlight; the page flashes it that long.
	RemainingMS int64 `json:"remaining_ms"`
	// Queued is the number of calls waiting for their turn.
	Queued int `json:"queued"`
}

func (h *highlights) snapshot(now time.Time) *Highlight {
	if h.current == nil {
		return nil
	}
	left := h.since.Add(h.min).Sub(now)
	if left < 0 {
		left = 0
	}
	return &Highlight{Seq: h.seq, Call: *h.current, RemainingMS: left.Milliseconds(), Queued: len(h.pending)}
}
