package kiosk

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

//go:embed page.html
var page []byte

// Handler serves the touch page for Chromium in kiosk mode, on localhost:
//
//	GET  /             the page
//	GET  /api/state    services, printer, link, last ticket (JSON)
//	POST /api/take     {"service": "A", "priority": "elderly", "lang": "vi"}
//	POST /api/reprint  the ticket not printed, marked as a reprint; else the last again
func (k *Kiosk) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	})
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, k.State())
	})
	mux.HandleFunc("POST /api/take", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Service  string            `json:"service"`
			Priority protocol.Priority `json:"priority"`
			Lang     string            `json:"lang"`
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, answer{Error: "bad request: " + err.Error()})
			return
		}
		if in.Priority != protocol.PriorityNone && !slices.Contains(protocol.Priorities, in.Priority) {
			writeJSON(w, http.StatusBadRequest, answer{Error: "unknown priority " + string(in.Priority)})
			return
		}
		if in.Lang != "" && !slices.Contains(protocol.Languages, in.Lang) {
			in.Lang = "vi"
		}
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		is, err := k.Take(ctx, in.Service, in.Priority, in.Lang)
		k.reply(w, is, err, in.Lang)
	})
	mux.HandleFunc("POST /api/reprint", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		is, err := k.Reprint(ctx)
		k.reply(w, is, err, is.Ticket.Lang)
	})
	return mux
}

// answer is the reply of take and reprint: the ticket, or what to tell the
// citizen.
type answer struct {
	Issued  *Issued `json:"issued,omitempty"`
	Error   string  `json:"error,omitempty"`
	Message string  `json:"message,omitempty"` // for the citizen, in their language
}

func (k *Kiosk) reply(w http.ResponseWriter, is Issued, err error, lang string) {
	if err == nil {
		writeJSON(w, http.StatusOK, answer{Issued: &is})
		return
	}
	a := answer{Error: err.Error(), Message: message(err, lang)}
	status := http.StatusServiceUnavailable
	switch {
	case errors.Is(err, ErrPrintFailed):
		a.Issued = &is // issued: the citizen can have it reprinted
		status = http.StatusOK
	case errors.Is(err, ErrUnknownService):
		status = http.StatusNotFound
	case errors.Is(err, ErrNothingToReprint):
		status = http.StatusConflict
	}
	writeJSON(w, status, a)
}

// message words an error for citizens.
func message(err error, lang string) string {
	vi := lang != "en"
	pick := func(v, e string) string {
		if vi {
			return v
		}
		return e
	}
	switch {
	case errors.Is(err, ErrPrinterNotReady):
		return pick("Máy in tạm ngưng. Xin vui lòng liên hệ cán bộ hướng dẫn.", "The printer is not ready. Please ask a member of staff.")
	case errors.Is(err, ErrPrintFailed):
		return pick("Đã cấp số nhưng chưa in được. Bấm \"In lại\" hoặc liên hệ cán bộ.", "Your number is issued but could not be printed. Press \"Reprint\" or ask a member of staff.")
	case errors.Is(err, ErrNothingToReprint):
		return pick("Chưa có phiếu để in lại.", "There is no ticket to reprint.")
	default:
		return pick("Không lấy được số. Xin vui lòng liên hệ cán bộ hướng dẫn.", "No ticket could be issued. Please ask a member of staff.")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
