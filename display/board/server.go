package board

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

//go:embed page.html
var page []byte

// Handler serves the page, its event stream and the state as JSON.
func (b *Board) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	})
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(b.State())
	})
	mux.HandleFunc("GET /events", b.serveEvents)
	return mux
}

// serveEvents streams the state: whole on connection and after every
// change, a "highlight" event when a call's turn begins, and a "ping" every
// heartbeat so that the page can tell a quiet hall from a dead stream.
func (b *Board) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ch, cancel := b.subscribe()
	defer cancel()

	send := func(event string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("json.Marshal: %w", err)
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return err
		}
		return rc.Flush()
	}
	// EventSource reconnects after retry ms.
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	var shown uint64
	state := func() error {
		s := b.State()
		if h := s.Highlight; h != nil && h.Seq != shown {
			shown = h.Seq
			if err := send("highlight", h); err != nil {
				return err
			}
		}
		return send("state", s)
	}
	if err := state(); err != nil {
		return
	}
	heartbeat := b.opts.Clock.After(b.opts.Heartbeat)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-b.done:
			return
		case <-ch:
			if state() != nil {
				return
			}
		case now := <-heartbeat:
			if send("ping", map[string]any{"at": now}) != nil {
				return
			}
			heartbeat = b.opts.Clock.After(b.opts.Heartbeat)
		}
	}
}
