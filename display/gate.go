package display

import (
	"fmt"
	"sync"
)

// Gate is what every driver's Show and Close share, so that each driver
// writes only its bus transactions: one write at a time, and none after
// Close, whose blanking runs once. Set Driver, the name errors start with,
// when the Dev is made; the zero Gate is open.
type Gate struct {
	Driver string

	mu     sync.Mutex
	closed bool
}

// Show runs write unless Close ran, which is ErrClosed.
func (g *Gate) Show(write func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return fmt.Errorf("%s: Show: %w", g.Driver, ErrClosed)
	}
	return write()
}

// Close runs blank the first time and shuts the gate; later calls return
// nil. The gate stays shut when blank fails: the display is not shown to
// again, whatever is left lit.
func (g *Gate) Close(blank func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return blank()
}
