package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sothutu/sothutu/controller/web/webtest"
)

// The touch page in Chromium: Vietnamese service names, a touch that
// prints a ticket and shows its number, and the English switch. With
// -screens the screenshots are written to testdata/ for people to look at.
func TestTouchPageInChromium(t *testing.T) {
	e := startKiosk(t)
	ctx := webtest.Chromium(t, 1280, 800, 60*time.Second)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		must(err)
		return s
	}
	// click taps an element the way a finger does, through the page's own
	// event handlers.
	click := func(sel string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { document.querySelector(`+"`"+sel+"`"+`).click(); return true })()`))
		must(err)
	}
	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(err)
		save(t, name, png)
	}

	must(chromedp.Do(ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`button.svc[data-service="A"]`)))
	if first := text(`button.svc[data-service="A"]`); !strings.Contains(first, "Đất đai") || !strings.Contains(first, "Số người đang chờ") {
		t.Errorf("service A's button reads %q", first)
	}
	shoot("touch-page.png")

	click(`button.svc[data-service="D"]`)
	eventually(t, "the number shown on screen", func() bool {
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.getElementById('ticket')).display === 'flex'`))
		return err == nil && shown
	})
	if number := text(`#t-num`); number != "D001" {
		t.Errorf("the page shows %q, want D001", number)
	}
	eventually(t, "the ticket printed", func() bool { return len(e.paper.Tickets()) == 1 })
	shoot("touch-page-ticket.png")

	click(`#ticket`)
	click(`.langs button[data-lang="en"]`)
	if title := text(`#title`); title != "Take a queue ticket" {
		t.Errorf("title in English: %q", title)
	}
}

var screens = flag.Bool("screens", false, "write the touch page's screenshots into testdata/")

// save keeps a screenshot in testdata/ when -screens is given.
func save(t *testing.T, name string, png []byte) {
	if !*screens {
		return
	}
	if err := os.WriteFile(filepath.Join("testdata", name), png, 0o644); err != nil {
		t.Log(err)
	}
}
