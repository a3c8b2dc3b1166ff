// Package displaytest holds a fake display.Counter for tests and for
// running a counter terminal without hardware.
package displaytest

import (
	"fmt"
	"sync"

	"github.com/sothutu/sothutu/display"
)

var _ display.Counter = (*Fake)(nil)

// Fake is a display.Counter that records what was shown. The zero value is
// ready to use.
type Fake struct {
	mu     sync.Mutex
	shown  []string
	closed bool
	err    error
}

// Show records text, or returns the error set by Fail.
func (f *Fake) Show(text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return fmt.Errorf("displaytest: Show: %w", display.ErrClosed)
	}
	if f.err != nil {
		return f.err
	}
	f.shown = append(f.shown, text)
	return nil
}

// Close marks the fake closed; later Shows fail with display.ErrClosed.
func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// Fail makes later Shows return err (nil: succeed again), as a display
// that was unplugged would.
func (f *Fake) Fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// Shown returns every text shown so far, oldest first.
func (f *Fake) Shown() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.shown...)
}

// Last returns the text shown last, "" if none.
func (f *Fake) Last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.shown) == 0 {
		return ""
	}
	return f.shown[len(f.shown)-1]
}

// Closed reports whether Close was called.
func (f *Fake) Closed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}
