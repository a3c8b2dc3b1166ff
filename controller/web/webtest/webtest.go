// Package webtest runs headless Chromium for the tests of the project's
// pages: the managers' and staff's pages, the kiosk's touch page and the
// hall board.
package webtest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sothutu/sothutu/internal/servertest"
)

// Chromium starts Debian's chromium headless, with the flags a closed
// network and a root user need, its window width x height, for the rest
// of the test; the context ends after timeout. Without chromium the test
// is skipped, or fails when CI=true.
func Chromium(t testing.TB, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	path := servertest.Program(t, "chromium", "apt-get install -y chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// Tab drives one page of a test's Chromium.
type Tab struct {
	t   testing.TB
	Ctx context.Context
	// Save receives the screenshots Shoot takes; nil drops them.
	Save func(name string, png []byte)
}

// NewTab wraps a context from Chromium.
func NewTab(t testing.TB, ctx context.Context, save func(name string, png []byte)) *Tab {
	return &Tab{t: t, Ctx: ctx, Save: save}
}

// Do runs actions, failing the test on an error.
func (p *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

// Must fails the test on err, from a chromedp call the Tab has no method
// for.
func (p *Tab) Must(err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
}

// Eval evaluates a script, awaiting a promise, and returns its text.
func (p *Tab) Eval(js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// Until waits up to 15 s for the script js to be true.
func (p *Tab) Until(what, js string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("not %s within 15s (%v)", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Click presses the element sel through the page's own handlers, as a
// finger or a mouse does.
func (p *Tab) Click(sel string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](`(() => { document.querySelector(`+"`"+sel+"`"+`).click(); return true })()`)); err != nil {
		p.t.Fatal(err)
	}
}

// Shoot takes a screenshot of the whole page for Save.
func (p *Tab) Shoot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	if p.Save != nil {
		p.Save(name, png)
	}
}
