package view

import (
	"context"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/pages"
)

// ErrOptions is wrapped by New's error for options without a city or a store.
var ErrOptions = errors.New("city view: City and Store are required")

// Options configures the city's pages.
type Options struct {
	City  *config.City
	Store *city.Store
	// Clock tells the time; nil means time.Now. Sessions, rate limits and
	// when a centre's uplink counts as down follow it.
	Clock  func() time.Time
	Logger *slog.Logger
	pages.Sessions
	// Refresh is how often an open city view reads the store again;
	// default 5s.
	Refresh time.Duration
}

// Server serves the city's view of its centres.
type Server struct {
	*pages.Site
	opts Options
	now  func() time.Time
	log  *slog.Logger
}

//go:embed assets
var assets embed.FS

// New returns the city's pages.
func New(opts Options) (*Server, error) {
	if opts.City == nil || opts.Store == nil {
		return nil, fmt.Errorf("view.New: %w", ErrOptions)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Refresh == 0 {
		opts.Refresh = 5 * time.Second
	}
	s := &Server{opts: opts, now: opts.Clock, log: opts.Logger.With("city", opts.City.ID)}
	own, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, fmt.Errorf("view.New: %w", err)
	}
	s.Site, err = pages.New(pages.Options{Users: opts.City.User, Assets: own, Texts: texts, Name: opts.City.Name.In,
		Nav:   func(*config.User) []pages.Link { return []pages.Link{{Href: "/city", Key: "nav.city"}} },
		Home:  func(*config.User) string { return "/city" },
		Clock: opts.Clock, Logger: s.log, Sessions: opts.Sessions})
	if err != nil {
		return nil, fmt.Errorf("view.New: %w", err)
	}
	watchers := []config.Role{config.RoleManager, config.RoleViewer}
	s.Handle("GET /{$}", func(w http.ResponseWriter, r *http.Request, _ *pages.Session) {
		http.Redirect(w, r, "/city", http.StatusSeeOther)
	}, watchers)
	s.HandleSignOut(watchers)
	s.Handle("GET /city", s.cityPage, watchers)
	s.Handle("GET /api/city", s.cityJSON, watchers)
	s.Handle("GET /city/events", s.cityEvents, watchers)
	s.Handle("GET /city/centre", s.centrePage, watchers)
	s.Handle("GET /city/export.csv", s.cityCSV, watchers)
	return s, nil
}

// cityRow is one centre on the city view.
type cityRow struct {
	Rank         int      `json:"rank"` // by share of waits within target, then 90th percentile
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Waiting      int      `json:"waiting"` // -1 unknown
	Issued       int      `json:"issued"`
	Served       int      `json:"served"`
	P90Seconds   int      `json:"p90_s"`
	WithinTarget *float64 `json:"within_target"` // 0..1; nil without waits
	Satisfied    *float64 `json:"satisfied"`     // 0..1; nil without ratings
	Rated        int      `json:"rated"`
	Down         bool     `json:"uplink_down"`
	LastTo       string   `json:"last_to"` // local time of the latest interval's end
	Offline      int      `json:"devices_offline"`
	Faults       int      `json:"devices_faults"`
	CountersOpen int      `json:"counters_open"`
	Expected     bool     `json:"expected"` // listed in the city's configuration
}

// cityView is the whole city view.
type cityView struct {
	At time.Time `json:"at"` // when the newest figures arrived; the view's time without any

	Centres []cityRow `json:"centres"`
	Down    int       `json:"down"`
	Waiting int       `json:"waiting"`
	Served  int       `json:"served"`
}

func (s *Server) view(ctx context.Context, lang string) (cityView, error) {
	sums, err := s.opts.Store.Centres(ctx)
	if err != nil {
		return cityView{}, err
	}
	now := s.now()
	v := cityView{At: now, Centres: []cityRow{}}
	seen := map[string]bool{}
	latest := time.Time{}
	for _, c := range sums {
		seen[c.Centre] = true
		if c.LastReceived.After(latest) {
			latest = c.LastReceived
		}
		row := cityRow{ID: c.Centre, Name: c.Centre, Waiting: c.Waiting, Issued: c.Issued, Served: c.Served,
			P90Seconds: int(c.Waits.P90 / time.Second), Rated: c.Rated, Down: c.Down(now),
			Offline: c.Devices.Offline, Faults: c.Devices.Faults, CountersOpen: c.CountersOpen}
		if cc, ok := s.opts.City.Centre(c.Centre); ok {
			row.Name, row.Expected = cc.Name.In(lang), true
		}
		if !c.LastTo.IsZero() {
			row.LastTo = c.LastTo.In(s.opts.City.Location).Format("2006-01-02 15:04")
		}
		if c.Waits.Targeted > 0 {
			w := c.Waits.WithinTarget
			row.WithinTarget = &w
		}
		if c.Rated > 0 {
			sat := c.Satisfied
			row.Satisfied = &sat
		}
		v.Centres = append(v.Centres, row)
	}
	if !latest.IsZero() {
		v.At = latest
	}
	// Centres the city expects that never sent anything are down too.
	for _, cc := range s.opts.City.Centres {
		if !seen[cc.ID] {
			v.Centres = append(v.Centres, cityRow{ID: cc.ID, Name: cc.Name.In(lang), Waiting: -1, Down: true, Expected: true})
		}
	}
	slices.SortStableFunc(v.Centres, func(a, b cityRow) int {
		if a.Down != b.Down {
			if a.Down {
				return 1
			}
			return -1
		}
		wa, wb := -1.0, -1.0
		if a.WithinTarget != nil {
			wa = *a.WithinTarget
		}
		if b.WithinTarget != nil {
			wb = *b.WithinTarget
		}
		if wa != wb {
			if wa > wb {
				return -1
			}
			return 1
		}
		return a.P90Seconds - b.P90Seconds
	})
	for i := range v.Centres {
		r := &v.Centres[i]
		r.Rank = i + 1
		if r.Down {
			v.Down++
		}
		if r.Waiting > 0 {
			v.Waiting += r.Waiting
		}
		v.Served += r.Served
	}
	return v, nil
}

// meta is what the page's script needs besides the view: the words and
// the city's time zone.
type meta struct {
	Lang string            `json:"lang"`
	Dict map[string]string `json:"dict"`
	Zone string            `json:"zone"`
}

func (s *Server) meta(lang string) meta {
	return meta{Lang: lang, Dict: words.Dictionary(lang), Zone: s.opts.City.Location.String()}
}

func (s *Server) cityPage(w http.ResponseWriter, r *http.Request, ss *pages.Session) {
	v, err := s.view(r.Context(), pages.Lang(r))
	if err != nil {
		s.log.Error("city view", "err", err)
		s.Problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	s.Render(w, r, http.StatusOK, "city", ss, map[string]any{"Meta": s.meta(pages.Lang(r)), "View": v})
}

func (s *Server) cityJSON(w http.ResponseWriter, r *http.Request, _ *pages.Session) {
	v, err := s.view(r.Context(), pages.Lang(r))
	if err != nil {
		s.Problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	pages.WriteJSON(w, http.StatusOK, v)
}

// cityEvents streams the city view, read again every Refresh.
func (s *Server) cityEvents(w http.ResponseWriter, r *http.Request, _ *pages.Session) {
	tick := time.NewTicker(s.opts.Refresh)
	defer tick.Stop()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	l := pages.Lang(r)
	pages.StreamState(w, r, s.log, tick.C, heartbeat.C, func(ctx context.Context) (any, error) {
		return s.view(ctx, l)
	}, func() { s.Session(r) })
}

// centrePage shows one centre's days.
func (s *Server) centrePage(w http.ResponseWriter, r *http.Request, ss *pages.Session) {
	id := r.URL.Query().Get("id")
	days, err := s.opts.Store.Trend(r.Context(), id, 30)
	if err != nil {
		s.Problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	l := pages.Lang(r)
	name := id
	if cc, ok := s.opts.City.Centre(id); ok {
		name = cc.Name.In(l)
	}
	s.Render(w, r, http.StatusOK, "citycentre", ss, map[string]any{"ID": id, "Name": name, "Days": days,
		"Chart": template.HTML(trendSVG(days, l)), "Rows": trendRows(days)})
}

// trendRows are a centre's days as the page's table shows them.
func trendRows(days []city.DayFigures) [][]string {
	var out [][]string
	for _, d := range days {
		out = append(out, []string{d.Day, strconv.Itoa(d.Issued), strconv.Itoa(d.Served), strconv.Itoa(d.NoShows),
			minutes(d.Waits.P50), minutes(d.Waits.P90), percent(d.Waits.WithinTarget, d.Waits.Targeted),
			percent(d.Satisfied, d.Rated)})
	}
	return out
}

func minutes(d time.Duration) string { return strconv.FormatFloat(d.Minutes(), 'f', 1, 64) }

func percent(share float64, n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(int(math.Round(100 * share)))
}

// trendSVG draws a centre's days: bars of citizens served, a line of the
// 90th percentile wait.
func trendSVG(days []city.DayFigures, lang string) string {
	const w, h, pad = 720.0, 240.0, 36.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h,
		template.HTMLEscapeString(translate(lang, "city.trend")))
	if len(days) == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="14">%s</text></svg>`, pad, h/2,
			template.HTMLEscapeString(translate(lang, "city.nodays")))
		return b.String()
	}
	maxServed, maxWait := 1, 1.0
	for _, d := range days {
		maxServed = max(maxServed, d.Served)
		maxWait = max(maxWait, d.Waits.P90.Minutes())
	}
	step := (w - 2*pad) / float64(len(days))
	var line []string
	for i, d := range days {
		x := pad + float64(i)*step
		bh := (h - 2*pad) * float64(d.Served) / float64(maxServed)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#7aa7d6"><title>%s: %d</title></rect>`,
			x+step*0.15, h-pad-bh, step*0.7, bh, d.Day, d.Served)
		y := h - pad - (h-2*pad)*d.Waits.P90.Minutes()/maxWait
		line = append(line, fmt.Sprintf("%.1f,%.1f", x+step/2, y))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#c2410c" stroke-width="2"/>`, strings.Join(line, " "))
	fmt.Fprintf(&b, `<text x="%.0f" y="16" font-size="12" fill="#1d4f80">■ %s (max %d)</text>`, pad,
		template.HTMLEscapeString(translate(lang, "city.served")), maxServed)
	fmt.Fprintf(&b, `<text x="%.0f" y="16" font-size="12" fill="#c2410c">— %s (max %.0f %s)</text>`, w/2,
		template.HTMLEscapeString(translate(lang, "city.p90")), maxWait, template.HTMLEscapeString(translate(lang, "min")))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11">%s</text><text x="%.0f" y="%.0f" font-size="11" text-anchor="end">%s</text>`,
		pad, h-10, days[0].Day, w-pad, h-10, days[len(days)-1].Day)
	b.WriteString(`</svg>`)
	return b.String()
}

// cityCSV exports the city view's table.
func (s *Server) cityCSV(w http.ResponseWriter, r *http.Request, _ *pages.Session) {
	l := pages.Lang(r)
	v, err := s.view(r.Context(), l)
	if err != nil {
		s.Problem(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape("thanh-pho-"+s.opts.City.ID+".csv")+`"`)
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	head := []string{}
	for _, k := range cityColumns {
		head = append(head, translate(l, k))
	}
	cw.Write(head)
	share := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(int(math.Round(100 * *p)))
	}
	for _, c := range v.Centres {
		waiting := strconv.Itoa(c.Waiting)
		if c.Waiting < 0 {
			waiting = ""
		}
		up := translate(l, "city.up")
		if c.Down {
			up = translate(l, "city.down")
		}
		cw.Write([]string{strconv.Itoa(c.Rank), c.ID, c.Name, waiting, strconv.Itoa(c.Issued), strconv.Itoa(c.Served),
			strconv.FormatFloat(float64(c.P90Seconds)/60, 'f', 1, 64), share(c.WithinTarget), share(c.Satisfied),
			up, c.LastTo, strconv.Itoa(c.Offline), strconv.Itoa(c.Faults)})
	}
	cw.Flush()
}

// cityColumns are the city table's columns, as text keys.
var cityColumns = []string{"city.rank", "city.id", "city.centre", "city.waiting", "city.issued", "city.served",
	"city.p90", "city.within", "city.satisfied", "city.uplink", "city.last", "city.offline", "city.faults"}
