package counter

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/sothutu/sothutu/firmware/button"
	"github.com/sothutu/sothutu/protocol"
)

// KeyOps are the operations a key may send.
var KeyOps = []protocol.Op{protocol.OpCallNext, protocol.OpCallAgain, protocol.OpComplete, protocol.OpNoShow,
	protocol.OpTransfer, protocol.OpPark, protocol.OpPause, protocol.OpRate}

// Key is a key between a GPIO pin and ground, read with the pin's pull-up:
// pressed reads low.
type Key struct {
	Pin gpio.PinIn
	// Op is what the key sends, one of KeyOps. OpPause toggles: it sends
	// resume when the counter is paused.
	Op protocol.Op
	// ToService is the target of a transfer key.
	ToService string
	// Rating is the rating a satisfaction key (OpRate) sends.
	Rating protocol.Rating
}

// Request is the command the key sends, without its idempotency key.
func (k Key) Request() protocol.Request {
	return protocol.Request{Op: k.Op, ToService: k.ToService, Rating: k.Rating}
}

func (k Key) check() error {
	switch {
	case !slices.Contains(KeyOps, k.Op):
		return fmt.Errorf("%w: op %q: use one of %v", ErrKey, k.Op, KeyOps)
	case k.Op == protocol.OpTransfer && k.ToService == "":
		return fmt.Errorf("%w: a transfer key needs ToService", ErrKey)
	case k.Op == protocol.OpRate && !slices.Contains(protocol.Ratings, k.Rating):
		return fmt.Errorf("%w: rating %q: use one of %v", ErrKey, k.Rating, protocol.Ratings)
	}
	return nil
}

// KeyOptions tune how presses are read.
type KeyOptions struct {
	// Debounce is how long the level must settle after an edge; default
	// 30ms.
	Debounce time.Duration
	// Lockout ignores presses of the same key for this long after one
	// counted, so a double press sends one command; default 1.5s.
	Lockout time.Duration
}

// RunKeys reads the keys until ctx ends. A press counts once: the key must
// be released before it counts again, and not within Lockout of its last
// press. Each press is one command (see Do).
func (c *Counter) RunKeys(ctx context.Context, keys []Key, opts KeyOptions) error {
	if opts.Debounce == 0 {
		opts.Debounce = 30 * time.Millisecond
	}
	if opts.Lockout == 0 {
		opts.Lockout = 1500 * time.Millisecond
	}
	for _, k := range keys {
		if err := k.check(); err != nil {
			return err
		}
		if err := k.Pin.In(gpio.PullUp, gpio.BothEdges); err != nil {
			return fmt.Errorf("counter: key %s on %s: %w", k.Op, k.Pin, err)
		}
	}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			button.Watch(ctx, k.Pin, opts.Debounce, opts.Lockout, c.opts.Clock.Now, func() {
				c.log.Info("key pressed", "op", k.Op, "pin", k.Pin.Name())
				_, _ = c.Do(ctx, k.Request()) // Do logs and shows its errors
			})
		})
	}
	wg.Wait()
	return nil
}
