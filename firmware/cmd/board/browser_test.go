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

// The board's page in Chromium at 1920x1080: a call appears big with its
// Vietnamese service name, a burst is shown one by one, and the page says
// disconnected once the board program stops. With -screens the screenshots
// are written to display/board/testdata/ for people to look at.
func TestBoardPageInChromium(t *testing.T) {
	e := startBoard(t, 3*time.Second)
	ctx := webtest.Chromium(t, 1920, 1080, 90*time.Second)
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
	until := func(what, js string) {
		t.Helper()
		eventually(t, what, func() bool {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			return err == nil && ok
		})
	}
	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(err)
		save(t, name, png)
	}

	// The TV's full 1080 lines, without the window's frame.
	must(chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(e.url+"/")))
	until("the page online", `!document.body.classList.contains('offline') && document.querySelectorAll('#services li').length === 6`)
	if lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || lang != "vi" {
		t.Errorf("lang %q %v", lang, err)
	}
	if land := text(`#services li[data-service="A"]`); !strings.Contains(land, "Đất đai") {
		t.Errorf("service A reads %q", land)
	}
	shoot("board-idle.png")

	number := e.call(t, "A", "1")
	until("the call highlighted", `document.getElementById('hl-num').textContent === '`+number+`'`)
	if svc := text(`#hl-service`); !strings.Contains(svc, "Đất đai") {
		t.Errorf("the highlight's service reads %q", svc)
	}
	if ctr := text(`#hl-counter`); !strings.Contains(ctr, "Quầy 1") {
		t.Errorf("the highlight's counter reads %q", ctr)
	}
	if flashing, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('hl').classList.contains('flash')`)); err != nil || !flashing {
		t.Errorf("a new call is not flashing: %v", err)
	}

	// A burst: three counters call within a moment. The lists show all at
	// once; the highlight takes them in turn.
	b1 := e.call(t, "B", "3")
	e.call(t, "A", "2")
	e.call(t, "D", "6")
	until("the burst on the list", `document.querySelectorAll('#current .cur').length === 4 && document.querySelectorAll('#recent li').length === 4`)
	if hl := text(`#hl-num`); hl != number {
		t.Errorf("the highlight jumped to %s before %s had its time", hl, number)
	}
	until("the next call of the burst highlighted", `document.getElementById('hl-num').textContent === '`+b1+`'`)
	shoot("board-calls.png")

	e.stop()
	until("the disconnected state", `document.body.classList.contains('offline')`)
	if off := text(`#offline`); !strings.Contains(off, "Mất kết nối") || !strings.Contains(off, "Disconnected") {
		t.Errorf("the banner reads %q", off)
	}
	shoot("board-disconnected.png")
}

var screens = flag.Bool("screens", false, "write the board page's screenshots into display/board/testdata/")

// save keeps a screenshot in testdata/ when -screens is given.
func save(t *testing.T, name string, png []byte) {
	if !*screens {
		return
	}
	if err := os.WriteFile(filepath.Join("..", "..", "..", "display", "board", "testdata", name), png, 0o644); err != nil {
		t.Log(err)
	}
}
