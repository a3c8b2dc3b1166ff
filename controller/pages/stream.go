package pages

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// StreamState sends state as server-sent events: now, and again whenever
// changes says so and the state differs from the last sent, until the
// client goes; a comment on every heartbeat, when keepAlive renews the
// session (a page left open keeps it).
func StreamState[C, H any](w http.ResponseWriter, r *http.Request, log *slog.Logger, changes <-chan C, heartbeat <-chan H,
	state func(context.Context) (any, error), keepAlive func()) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var last []byte
	send := func() bool {
		v, err := state(r.Context())
		if err != nil {
			return false
		}
		b, err := json.Marshal(v)
		if err != nil {
			log.Error("encode live state", "err", err)
			return false
		}
		if bytes.Equal(b, last) {
			return true
		}
		last = b
		fmt.Fprintf(w, "data: %s\n\n", b)
		flusher.Flush()
		return true
	}
	if !send() {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-changes:
			if !send() {
				return
			}
		case <-heartbeat:
			keepAlive()
			fmt.Fprint(w, ": ♥\n\n")
			flusher.Flush()
		}
	}
}
