package web

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// counterOf is the counter a request acts on: a staff member's own, or
// for a manager the one asked for (the first by default). ok is false, and
// the answer written, when the user may not act there.
func (s *Server) counterOf(w http.ResponseWriter, r *http.Request, ss *session, asked string) (string, bool) {
	if ss.User.Role == config.RoleStaff {
		if asked != "" && asked != ss.User.Counter {
			s.log.Warn("staff refused at another counter", "user", ss.User.Name, "counter", asked)
			s.problem(w, r, http.StatusForbidden, "error.counter")
			return "", false
		}
		return ss.User.Counter, true
	}
	if asked == "" {
		return s.opts.Centre.Counters[0].ID, true
	}
	if _, ok := s.opts.Centre.Counter(asked); !ok {
		s.problem(w, r, http.StatusNotFound, "error.nocounter")
		return "", false
	}
	return asked, true
}

// ticketView is a ticket on the counter page.
type ticketView struct {
	Number   string            `json:"number"`
	Service  string            `json:"service"`
	Priority protocol.Priority `json:"priority,omitempty"`
	Since    time.Time         `json:"since"` // queued, or called for the current one
	Calls    int               `json:"calls,omitempty"`
}

func view(t engine.Ticket, since time.Time) ticketView {
	return ticketView{Number: t.Number, Service: t.Service, Priority: t.Priority, Since: since, Calls: t.Calls}
}

// counterView is the counter page's state.
type counterView struct {
	Counter string                `json:"counter"`
	State   protocol.CounterState `json:"state"`
	Skills  []engine.Skill        `json:"skills"`
	Current *ticketView           `json:"current"`
	Waiting []ticketView          `json:"waiting"`
	Parked  []ticketView          `json:"parked"`
	Served  int                   `json:"served_today"`
	At      time.Time             `json:"at"`
}

func (s *Server) counterState(ctx context.Context, id string) (counterView, error) {
	p, _, err := s.opts.Controller.Counter(ctx, id)
	if err != nil {
		return counterView{}, err
	}
	v := counterView{Counter: id, State: p.Counter, Skills: p.Skills, Served: p.Served, At: s.now(),
		Waiting: []ticketView{}, Parked: []ticketView{}}
	if p.Current != nil {
		cv := view(*p.Current, p.Current.Called)
		v.Current = &cv
	}
	for _, t := range p.Waiting {
		v.Waiting = append(v.Waiting, view(t, t.Queued))
	}
	for _, t := range p.Parked {
		v.Parked = append(v.Parked, view(t, t.Called))
	}
	return v, nil
}

// counterAsked returns the state of the counter the request asks for, or
// false once it has answered why not.
func (s *Server) counterAsked(w http.ResponseWriter, r *http.Request, ss *session) (counterView, bool) {
	id, ok := s.counterOf(w, r, ss, r.URL.Query().Get("counter"))
	if !ok {
		return counterView{}, false
	}
	v, err := s.counterState(r.Context(), id)
	if err != nil {
		s.problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return counterView{}, false
	}
	return v, true
}

func (s *Server) counterPage(w http.ResponseWriter, r *http.Request, ss *session) {
	v, ok := s.counterAsked(w, r, ss)
	if !ok {
		return
	}
	cfg, _ := s.opts.Centre.Counter(v.Counter)
	s.render(w, r, http.StatusOK, "counter", ss, map[string]any{"Meta": s.meta(lang(r)), "State": v,
		"Name": cfg.Name.In(lang(r)), "Counters": s.opts.Centre.Counters, "Manager": ss.User.Role == config.RoleManager})
}

func (s *Server) counterJSON(w http.ResponseWriter, r *http.Request, ss *session) {
	if v, ok := s.counterAsked(w, r, ss); ok {
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) counterEvents(w http.ResponseWriter, r *http.Request, ss *session) {
	id, ok := s.counterOf(w, r, ss, r.URL.Query().Get("counter"))
	if !ok {
		return
	}
	s.stream(w, r, func(ctx context.Context) (any, error) {
		v, err := s.counterState(ctx, id)
		v.At = time.Time{} // unchanged states are not sent again
		return v, err
	})
}

// counterOps are the commands a counter page may send: the keypad's.
var counterOps = []protocol.Op{protocol.OpCallNext, protocol.OpCallAgain, protocol.OpComplete, protocol.OpNoShow,
	protocol.OpTransfer, protocol.OpPark, protocol.OpRecall, protocol.OpPause, protocol.OpResume}

// act runs a counter command: form fields counter, op, key (chosen by the
// page per click, so that a repeated submission does the command once),
// and to_service, to_counter, ticket or reason as the command needs.
func (s *Server) act(w http.ResponseWriter, r *http.Request, ss *session) {
	id, ok := s.counterOf(w, r, ss, r.PostFormValue("counter"))
	if !ok {
		return
	}
	op := protocol.Op(r.PostFormValue("op"))
	if !slices.Contains(counterOps, op) {
		s.badInput(w, r, "op: "+string(op)+" is not a counter command")
		return
	}
	req := protocol.Request{V: protocol.Version, Key: r.PostFormValue("key"), Op: op, Counter: id,
		ToService: r.PostFormValue("to_service"), ToCounter: r.PostFormValue("to_counter"),
		Ticket: r.PostFormValue("ticket"), Reason: r.PostFormValue("reason")}
	actor := engine.Actor{Device: "web:" + ss.User.Name, Kind: protocol.DeviceCounter, Counter: id}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	reply, err := s.opts.Controller.Do(ctx, actor, req)
	if err != nil {
		s.problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	status := http.StatusOK
	if reply.Error != nil {
		status = http.StatusConflict
		if reply.Error.Code == protocol.CodeInvalid || reply.Error.Code == protocol.CodeMalformed {
			status = http.StatusBadRequest
		}
	}
	writeJSON(w, status, reply)
}
