package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/pages"
	"github.com/sothutu/sothutu/protocol"
)

// meta is what the pages' scripts need besides the live state: names in
// the page's language, and the words.
type meta struct {
	Lang     string            `json:"lang"`
	Services []named           `json:"services"`
	Counters []named           `json:"counters"`
	Dict     map[string]string `json:"dict"`
	Zone     string            `json:"zone"`
}

type named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (s *Server) meta(lang string) meta {
	m := meta{Lang: lang, Dict: dictionary(lang), Zone: s.opts.Centre.Location.String()}
	for _, sv := range s.opts.Centre.Services {
		m.Services = append(m.Services, named{sv.ID, sv.Name.In(lang)})
	}
	for _, c := range s.opts.Centre.Counters {
		m.Counters = append(m.Counters, named{c.ID, c.Name.In(lang)})
	}
	return m
}

func (s *Server) live(w http.ResponseWriter, r *http.Request, ss *session) {
	o, err := s.opts.Controller.Overview(r.Context())
	if err != nil {
		s.problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	s.render(w, r, http.StatusOK, "live", ss, map[string]any{"Meta": s.meta(lang(r)), "Overview": o,
		"Manager": ss.User.Role == config.RoleManager})
}

func (s *Server) overviewJSON(w http.ResponseWriter, r *http.Request, _ *session) {
	o, err := s.opts.Controller.Overview(r.Context())
	if err != nil {
		s.problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) liveEvents(w http.ResponseWriter, r *http.Request, _ *session) {
	s.stream(w, r, func(ctx context.Context) (any, error) { return s.opts.Controller.Overview(ctx) })
}

// stream sends state after every change of the centre.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, state func(context.Context) (any, error)) {
	changes, stop := s.opts.Controller.Watch()
	defer stop()
	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	pages.StreamState(w, r, s.log, changes, heartbeat.C, state, func() { s.Session(r) })
}

// move changes a counter's services: form fields counter, and skills
// ("A:1 B:2", service:level, main first) or reset=1 for the configured ones.
func (s *Server) move(w http.ResponseWriter, r *http.Request, ss *session) {
	id := r.PostFormValue("counter")
	if _, ok := s.opts.Centre.Counter(id); !ok {
		s.badInput(w, r, fmt.Sprintf("counter %q: no such counter", id))
		return
	}
	var skills []engine.Skill
	if r.PostFormValue("reset") == "" {
		var err error
		if skills, err = s.parseSkills(r.PostFormValue("skills")); err != nil {
			s.badInput(w, r, err.Error())
			return
		}
	}
	actor := engine.Actor{Device: "web:" + ss.User.Name}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := s.opts.Controller.Reassign(ctx, actor, id, skills); err != nil {
		s.log.Error("move counter", "counter", id, "err", err)
		s.problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	s.log.Info("counter moved", "counter", id, "skills", r.PostFormValue("skills"), "user", ss.User.Name)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "counter": id})
}

// parseSkills reads "A:1 B:2" (or comma separated).
func (s *Server) parseSkills(text string) ([]engine.Skill, error) {
	var out []engine.Skill
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ',' }) {
		id, lv, _ := strings.Cut(f, ":")
		if _, ok := s.opts.Centre.Service(id); !ok {
			return nil, fmt.Errorf("skills: unknown service %q", id)
		}
		if seen[id] {
			return nil, fmt.Errorf("skills: service %q given twice", id)
		}
		seen[id] = true
		level := 1
		if lv != "" {
			n, err := strconv.Atoi(lv)
			if err != nil || n < 1 || n > config.MaxLevel {
				return nil, fmt.Errorf("skills: service %s: level %q is not 1 to %d", id, lv, config.MaxLevel)
			}
			level = n
		}
		out = append(out, engine.Skill{Service: id, Level: level})
	}
	if len(out) == 0 {
		return nil, errors.New("skills: a counter serves at least one service")
	}
	return out, nil
}

func (s *Server) badInput(w http.ResponseWriter, r *http.Request, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": translate(lang(r), "error.input") + ": " + msg})
}

func (s *Server) alertHistory(w http.ResponseWriter, r *http.Request, ss *session) {
	recs, err := s.opts.Controller.Alerts(r.Context(), s.now().Add(-7*24*time.Hour))
	if err != nil {
		s.problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	type row struct {
		Kind, Subject, Opened, Closed, Detail string
	}
	l := lang(r)
	var rows []row
	for _, a := range recs {
		x := row{Kind: translate(l, "alert."+string(a.Kind)), Subject: s.subject(l, a.Kind, a.Subject),
			Opened: s.local(a.Since), Detail: a.Detail}
		if a.Closed.IsZero() {
			x.Closed = translate(l, "alerts.open")
		} else {
			x.Closed = s.local(a.Closed)
		}
		rows = append(rows, x)
	}
	s.render(w, r, http.StatusOK, "alerts", ss, rows)
}

// subject names what an alert is about.
func (s *Server) subject(lang string, kind protocol.AlertKind, id string) string {
	switch kind {
	case protocol.AlertWait:
		if sv, ok := s.opts.Centre.Service(id); ok {
			return sv.Name.In(lang)
		}
	case protocol.AlertIdle:
		if c, ok := s.opts.Centre.Counter(id); ok {
			return c.Name.In(lang)
		}
	}
	return id
}

func (s *Server) local(t time.Time) string {
	return t.In(s.opts.Centre.Location).Format("2006-01-02 15:04")
}

// noteSignIn records that a staff member started at their counter: the
// reports give them what that counter's keypad does from then on.
func (s *Server) noteSignIn(r *http.Request, u *config.User) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	actor := engine.Actor{Device: "web:" + u.Name, Kind: protocol.DeviceCounter, Counter: u.Counter}
	if err := s.opts.Controller.Note(ctx, "signed_in", u.Counter, actor, ""); err != nil {
		s.log.Error("record sign-in", "user", u.Name, "err", err)
	}
}
