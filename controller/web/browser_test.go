package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/xuri/excelize/v2"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/web/webtest"

	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/protocol"
)

var screens = flag.Bool("screens", false, "write the pages' screenshots into testdata/")

// save keeps a screenshot in testdata/ when -screens is given.
func save(t *testing.T, name string, png []byte) {
	t.Helper()
	if *screens {
		if err := os.WriteFile(filepath.Join("testdata", name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// device runs a device of the example centre over the real broker.
func device(t testing.TB, s *site, id string) *link.Link {
	t.Helper()
	return centretest.Device(t, s.centre.Config, s.centre.URL, s.centre.Dir, id, quiet)
}

func request(t testing.TB, l *link.Link, req protocol.Request) protocol.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	r, err := l.Request(ctx, req)
	if err != nil || !r.OK {
		t.Fatalf("%s: %+v %v", req.Op, r, err)
	}
	return r
}

// The manager's and the staff's pages in Chromium, against a real
// controller, broker and devices: sign in; a ticket taken at a kiosk shows
// on the live view without reload; a counter moved to another service
// calls from it next; the reports' CSV and Excel files hold the day; a
// staff member cannot open the manager's pages and calls next from theirs.
// With -screens the screenshots are written to testdata/.
func TestPagesInChromium(t *testing.T) {
	s := start(t)
	ctx := webtest.Chromium(t, 1366, 768, 120*time.Second)
	tab := webtest.NewTab(t, ctx, func(name string, png []byte) { save(t, name, png) })
	must, eval, until, shoot := tab.Must, tab.Eval, tab.Until, tab.Shoot
	click := tab.Click
	signIn := func(name string) {
		t.Helper()
		must(chromedp.Do(ctx, chromedp.Navigate(s.url+"/signin"), chromedp.WaitVisible(`#signin`),
			chromedp.SendKeys(`#name`, name), chromedp.SendKeys(`#password`, "doi-mat-khau-"+name),
			chromedp.Submit(`#signin`)))
	}
	kiosk := device(t, s, "kiosk-1")
	terminal := device(t, s, "counter-3")

	// The manager signs in and lands on the live view.
	signIn("quanly")
	must(chromedp.Do(ctx, chromedp.WaitVisible(`#services tbody tr[data-service="B"]`)))
	waitingB := `document.querySelector('#services tr[data-service="B"] .waiting').textContent`
	if got := eval(waitingB); got != "0" {
		t.Fatalf("B waiting before any ticket: %q", got)
	}

	// A ticket taken at the kiosk appears without reload.
	request(t, kiosk, protocol.Request{Op: protocol.OpTicket, Service: "B"})
	until("B's ticket on the live view", waitingB+` === "1"`)
	if got := eval(`document.querySelector('#services tr[data-service="B"] td').textContent`); got != "B · Hộ tịch" {
		t.Errorf("service B reads %q", got)
	}
	shoot("live.png")
	if eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`) != "true" {
		t.Errorf("the live view is wider than a 1366 px screen")
	}

	// Counter 3 (B first, then C) is moved to business registration (D) only.
	click(`#counters tr[data-counter="3"] .move-btn`)
	must(chromedp.Do(ctx, chromedp.WaitVisible(`#move`)))
	eval(`(() => { for (const s of document.querySelectorAll('#move-skills select')) s.value = s.dataset.service === "D" ? "1" : ""; return "" })()`)
	shoot("live-move.png")
	click(`#move-save`)
	until("counter 3 shown serving D", `document.querySelector('#counters tr[data-counter="3"] .skills').textContent === "D"`)

	// Its next call comes from D, though B's citizen came first.
	request(t, kiosk, protocol.Request{Op: protocol.OpTicket, Service: "D"})
	r := request(t, terminal, protocol.Request{Op: protocol.OpCallNext})
	if r.Ticket == nil || r.Ticket.Service != "D" || r.Ticket.Number != "D001" {
		t.Fatalf("counter 3's next call after the move: %+v", r.Ticket)
	}
	until("counter 3 serving D001", `document.querySelector('#counters tr[data-counter="3"] .status').textContent.includes("D001")`)
	request(t, terminal, protocol.Request{Op: protocol.OpComplete})
	request(t, terminal, protocol.Request{Op: protocol.OpRate, Rating: protocol.RatingVerySatisfied})

	// Reports: the day per service, its CSV and Excel files.
	must(chromedp.Do(ctx, chromedp.Navigate(s.url+"/reports?period=day&by=service"), chromedp.WaitVisible(`#report`)))
	shoot("reports.png")
	csvText := eval(`fetch(document.getElementById('csv').href).then(r => r.text())`)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvText, "\ufeff"))).ReadAll()
	must(err)
	if len(rows) < 3 || !strings.Contains(strings.Join(rows[0], ","), "Lĩnh vực") {
		t.Fatalf("CSV:\n%s", csvText)
	}
	want := map[string][]string{"B": {"B", "Hộ tịch", "1", "0"}, "D": {"D", "Đăng ký kinh doanh", "1", "1"}}
	for _, row := range rows[1:] {
		if w, ok := want[row[0]]; ok {
			if strings.Join(row[:4], "|") != strings.Join(w, "|") {
				t.Errorf("CSV row %s: %q, want it to start %q", row[0], row, w)
			}
			delete(want, row[0])
		}
	}
	if len(want) > 0 {
		t.Errorf("CSV lacks rows %v:\n%s", want, csvText)
	}
	b64 := eval(`fetch(document.getElementById('xlsx').href).then(r => r.arrayBuffer()).then(b => {
		let s = ""; for (const x of new Uint8Array(b)) s += String.fromCharCode(x); return btoa(s) })`)
	raw, err := base64.StdEncoding.DecodeString(b64)
	must(err)
	book, err := excelize.OpenReader(bytes.NewReader(raw))
	must(err)
	sheet := book.GetSheetName(0)
	cells, err := book.GetRows(sheet)
	must(err)
	found := false
	for _, row := range cells {
		if len(row) > 3 && row[0] == "D" && row[1] == "Đăng ký kinh doanh" && row[3] == "1" {
			found = true
		}
	}
	if !found {
		t.Errorf("Excel sheet %q lacks D's row: %q", sheet, cells)
	}
	// In English.
	click(`#lang`)
	until("the report in English", `document.querySelector('#report thead').textContent.includes("Served")`)

	// A staff member: no manager page, their counter's page works.
	click(`#signout`)
	until("signed out", `location.pathname === "/signin"`)
	signIn("lan")
	until("lan's counter page", `location.pathname === "/counter" && !!document.getElementById("btn-next")`)
	must(chromedp.Do(ctx, chromedp.Navigate(s.url+"/live")))
	if got := eval(`document.getElementById('problem').textContent`); !strings.Contains(got, "do not have access") && !strings.Contains(got, "không có quyền") {
		t.Errorf("staff on /live sees %q", got)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(s.url+"/reports"))
	must(err)
	if resp.Status != http.StatusForbidden {
		t.Errorf("staff on /reports: status %d", resp.Status)
	}
	shoot("staff-refused.png")
	must(chromedp.Do(ctx, chromedp.Navigate(s.url+"/counter"), chromedp.WaitVisible(`#btn-next`)))
	until("B001 in counter 1's queue", `!!document.querySelector('#waiting tr[data-ticket="B001"]')`)
	// A refused command says why in the page's language (English since the
	// switch on the reports page).
	eval(`(() => { document.getElementById('btn-complete').disabled = false; return "" })()`)
	click(`#btn-complete`)
	until("the refusal explained", `document.getElementById('message').textContent === "The counter has no current ticket."`)
	click(`#btn-next`)
	until("B001 called at counter 1", `document.getElementById('current').textContent === "B001"`)
	shoot("counter.png")

	// On a tablet held upright the page fits its width.
	must(chromedp.Do(ctx, chromedp.EmulateViewport(800, 1280), chromedp.Navigate(s.url+"/counter"), chromedp.WaitVisible(`#btn-next`)))
	if eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`) != "true" {
		t.Errorf("the counter page is wider than an 800 px tablet")
	}
	shoot("counter-tablet.png")
}
