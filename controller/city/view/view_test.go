package view_test

import (
	"context"
	"encoding/csv"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/controller/city/view"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/pages/pagestest"
	"github.com/sothutu/sothutu/controller/web/webtest"
	"github.com/sothutu/sothutu/protocol"
)

var (
	quiet   = slog.New(slog.NewTextHandler(io.Discard, nil))
	screens = flag.Bool("screens", false, "write the pages' screenshots into testdata/")
)

// clock is the pages' settable clock: sessions and the uplinks' state follow it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// save keeps a screenshot in testdata/ when -screens is given.
func save(t *testing.T, name string, png []byte) {
	t.Helper()
	if *screens {
		if err := os.WriteFile(filepath.Join("testdata", name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// citySite is the example city's pages over a real city store.
type citySite struct {
	store *city.Store
	pages *view.Server
	url   string
	clock *clock
	seq   map[string]int64
}

func startCity(t *testing.T) *citySite {
	t.Helper()
	cfg, err := config.ParseCity("city.yaml", config.CityExample())
	if err != nil {
		t.Fatal(err)
	}
	st, err := city.OpenStore(filepath.Join(t.TempDir(), "city.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	clk := &clock{t: time.Date(2026, 11, 23, 10, 2, 0, 0, loc)}
	pages, err := view.New(view.Options{City: cfg, Store: st, Clock: clk.now, Logger: quiet, Refresh: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(pages)
	t.Cleanup(srv.Close)
	return &citySite{store: st, pages: pages, url: srv.URL, clock: clk, seq: map[string]int64{}}
}

// send stores an interval record of a centre ending at to, with served
// citizens who each waited wait.
func (c *citySite) send(t *testing.T, centre string, to time.Time, served int, wait time.Duration, waiting int) {
	t.Helper()
	c.seq[centre]++
	w := int(wait / time.Second)
	f := protocol.Figures{Centre: centre, Seq: c.seq[centre], Kind: protocol.FiguresInterval, Day: to.Add(-time.Minute).Format(time.DateOnly),
		From: to.Add(-5 * time.Minute), To: to, CountersOpen: 8, Devices: protocol.DeviceFigures{Total: 11},
		Services: []protocol.ServiceFigures{{Service: "A", Issued: served, Served: served, Waiting: waiting, TargetSeconds: 1800,
			Wait: protocol.Quantiles{N: served, P50: w, P90: w, P95: w, Max: w}, Ratings: [4]int{served, 0, 0, 0}}}}
	if wait <= 30*time.Minute {
		f.Services[0].WithinTarget = served
	}
	if served == 0 {
		f.Services[0].Wait, f.Services[0].Ratings = protocol.Quantiles{}, [4]int{}
	}
	if _, err := c.store.Put(context.Background(), []protocol.Figures{f}, to); err != nil {
		t.Fatal(err)
	}
}

// The city's pages need a session and a token like the centre's.
func TestCityPagesNeedSignIn(t *testing.T) {
	c := startCity(t)
	anon := pagestest.Anonymous(t, c.url)
	for _, r := range c.pages.Routes() {
		path := strings.TrimSuffix(r.Path, "{$}")
		if r.Method == http.MethodPost {
			if status, _ := anon.Post(path, url.Values{}, ""); status != http.StatusUnauthorized {
				t.Errorf("POST %s without a session: %d", path, status)
			}
			continue
		}
		want := http.StatusSeeOther
		if strings.HasPrefix(path, "/api/") || strings.HasSuffix(path, "/events") {
			want = http.StatusUnauthorized
		}
		if status, _ := anon.Get(path); status != want {
			t.Errorf("GET %s without a session: %d, want %d", path, status, want)
		}
	}
	m := pagestest.SignIn(t, c.url, "xem", "doi-mat-khau-xem")
	if status, _ := m.Get("/city"); status != http.StatusOK {
		t.Errorf("viewer on /city: %d", status)
	}
	if status, _ := m.Post("/signout", nil, "wrong"); status != http.StatusForbidden {
		t.Errorf("sign-out with a wrong token: %d", status)
	}
}

// The city view in Chromium: every centre with its waits against target,
// satisfaction and uplink; a centre silent for over three intervals shows
// its uplink down; new figures appear without reload; a centre's trend;
// the CSV export. Screenshots with -screens.
func TestCityViewInChromium(t *testing.T) {
	c := startCity(t)
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	at := func(h, m int) time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, loc) }
	for _, m := range []int{45, 50, 55} {
		c.send(t, "ninh-kieu", at(9, m), 4, 12*time.Minute, 3)
		c.send(t, "cai-khe", at(9, m), 3, 45*time.Minute, 9) // waits over the 30-minute target
	}
	c.send(t, "ninh-kieu", at(10, 0), 5, 10*time.Minute, 2)
	// An Bình sent nothing; a centre the file does not list sends.
	c.send(t, "phong-dien", at(8, 30), 2, 5*time.Minute, 0)
	for i := range 5 {
		day := time.Date(2026, 11, 18+i, 0, 0, 0, 0, loc)
		c.seq["ninh-kieu"]++
		f := protocol.Figures{Centre: "ninh-kieu", Seq: c.seq["ninh-kieu"], Kind: protocol.FiguresDay, Day: day.Format(time.DateOnly),
			From: day, To: day.AddDate(0, 0, 1), Devices: protocol.DeviceFigures{Total: 11},
			Services: []protocol.ServiceFigures{{Service: "A", Issued: 300 + 10*i, Served: 290 + 10*i, Waiting: 0, TargetSeconds: 1800,
				Wait:    protocol.Quantiles{N: 290 + 10*i, P50: 400, P90: 1200 + 60*i, P95: 1500, Max: 2400},
				Ratings: [4]int{100, 50, 10, 5}}}}
		if _, err := c.store.Put(context.Background(), []protocol.Figures{f}, day.AddDate(0, 0, 1)); err != nil {
			t.Fatal(err)
		}
	}

	ctx := webtest.Chromium(t, 1366, 768, 90*time.Second)
	tab := webtest.NewTab(t, ctx, func(name string, png []byte) { save(t, name, png) })
	must, eval, until, shoot := tab.Must, tab.Eval, tab.Until, tab.Shoot
	must(chromedp.Do(ctx, chromedp.Navigate(c.url+"/signin"), chromedp.WaitVisible(`#signin`),
		chromedp.SendKeys(`#name`, "quanly"), chromedp.SendKeys(`#password`, "doi-mat-khau-quanly"), chromedp.Submit(`#signin`)))
	until("the city view", `!!document.querySelector('#centres tr[data-centre="ninh-kieu"]')`)
	row := func(id string) string {
		return eval(`document.querySelector('#centres tr[data-centre="` + id + `"]').innerText`)
	}
	if r := row("ninh-kieu"); !strings.Contains(r, "Phường Ninh Kiều") || !strings.Contains(r, "Bình thường") || !strings.HasPrefix(r, "1") {
		t.Errorf("Ninh Kiều's row: %q", r)
	}
	if r := row("cai-khe"); !strings.Contains(r, "Phường Cái Khế") || !strings.Contains(r, "Bình thường") {
		t.Errorf("Cái Khế's row: %q", r)
	}
	if r := row("an-binh"); !strings.Contains(r, "Mất kết nối") {
		t.Errorf("An Bình, which never sent, reads %q", r)
	}
	if r := row("phong-dien"); !strings.Contains(r, "phong-dien") || !strings.Contains(r, "Mất kết nối") {
		t.Errorf("a centre not in the file reads %q", r)
	}
	shoot("city.png")

	// Time passes: Cái Khế stays silent, Ninh Kiều sends its next interval.
	c.clock.add(15 * time.Minute)
	c.send(t, "ninh-kieu", at(10, 5), 6, 8*time.Minute, 1)
	until("Ninh Kiều's new figures", `document.querySelector('#centres tr[data-centre="ninh-kieu"] .served').textContent === "23"`)
	until("Cái Khế's uplink down", `document.querySelector('#centres tr[data-centre="cai-khe"] .uplink').textContent.includes("Mất kết nối")`)

	// The CSV holds the table.
	text := eval(`fetch('/city/export.csv').then(r => r.text())`)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
	must(err)
	if len(rows) != 5 || rows[0][2] != "Trung tâm" || rows[1][1] != "ninh-kieu" || rows[1][5] != "23" {
		t.Errorf("CSV:\n%s", text)
	}

	// Ninh Kiều's trend.
	must(chromedp.Do(ctx, chromedp.Navigate(c.url+"/city/centre?id=ninh-kieu"), chromedp.WaitVisible(`#days`)))
	if n := eval(`String(document.querySelectorAll('#days tbody tr').length)`); n != "5" {
		t.Errorf("%s days in the trend, want 5", n)
	}
	if svg := eval(`String(document.querySelectorAll('#trend svg rect').length)`); svg != "5" {
		t.Errorf("%s bars in the trend chart, want 5", svg)
	}
	shoot("city-centre.png")
}
