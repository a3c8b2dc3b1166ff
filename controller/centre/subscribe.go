package centre

import (
	"context"
	"time"

	"github.com/sothutu/sothutu/internal/mqttwait"
	"github.com/sothutu/sothutu/protocol"
)

// The subscriber's backoff between attempts, and its wait for an answer.
const (
	subscribeFirstRetry = 250 * time.Millisecond
	subscribeMaxRetry   = 10 * time.Second
	subscribeWait       = 10 * time.Second
)

// subscriber subscribes to the devices' requests and presence on every
// connection, trying again with backoff for as long as the connection
// lasts until the broker grants them: a broker may refuse them for a while
// (a cluster moving a lost node's sessions, an ACL being fixed), and a
// controller that gave up would hear no device until the next reconnect.
// Once granted, the whole state is published, the controller's "online"
// last: online means requests are heard. It returns when ctx ends.
func (c *Controller) subscriber(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.connected:
		}
		c.subscribeUntilGranted(ctx)
	}
}

// subscribeUntilGranted subscribes, and tries again with backoff while the
// connection lasts and ctx does not end, until the broker grants it.
func (c *Controller) subscribeUntilGranted(ctx context.Context) {
	delay := subscribeFirstRetry
	for attempt := 1; ; attempt++ {
		err := c.subscribe(ctx)
		if err == nil {
			if attempt > 1 {
				c.log.Info("subscribed to requests", "attempts", attempt)
			}
			c.Republish()
			return
		}
		if ctx.Err() != nil || !c.client.IsConnectionOpen() {
			return // the next connection tries again
		}
		c.log.Error("subscribe to requests failed: the controller hears no device; trying again (check the broker's ACL for the controller account)",
			"err", err, "attempt", attempt, "in", delay)
		wait := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-c.connected:
			// A new connection: try again on it at once.
			wait.Stop()
			delay = subscribeFirstRetry
		case <-wait.C:
			delay = min(2*delay, subscribeMaxRetry)
		}
	}
}

// subscribe subscribes once to the devices' requests and presence and
// waits for the broker's answer.
func (c *Controller) subscribe(ctx context.Context) error {
	subs := map[string]byte{
		protocol.AllRequests(c.centre.ID): 1,
		protocol.AllPresence(c.centre.ID): 1,
	}
	return mqttwait.Subscribed(ctx, c.client.SubscribeMultiple(subs, c.onMessage), subscribeWait)
}
