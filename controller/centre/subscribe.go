package centre

import (
	"time"

	"github.com/sothutu/sothutu/internal/mqttwait"
	"github.com/sothutu/sothutu/protocol"
)

// The subscription's backoff between attempts, and its wait for an answer.
const (
	subscribeFirstRetry = 250 * time.Millisecond
	subscribeMaxRetry   = 10 * time.Second
	subscribeWait       = 10 * time.Second
)

// subscriptions is the controller's session: the devices' requests and
// presence subscribed on every connection (paho does not renew them),
// tried again with backoff until the broker grants them, for a broker may
// refuse them for a while (a cluster moving a lost node's sessions, an
// ACL being fixed) and a controller that gave up would hear no device
// until the next reconnect. Once granted, the whole state is published,
// which a restarted broker may have lost, the controller's "online" last:
// online means requests are heard.
func (c *Controller) subscriptions() *mqttwait.Session {
	return mqttwait.NewSession(mqttwait.SessionOptions{
		Broker: c.opts.Broker,
		Filters: map[string]byte{
			protocol.AllRequests(c.centre.ID): 1,
			protocol.AllPresence(c.centre.ID): 1,
		},
		Handler:      c.onMessage,
		What:         "requests",
		Advice:       "the controller hears no device (check the broker's ACL for the controller account)",
		OnSubscribed: c.Republish,
		FirstRetry:   subscribeFirstRetry, MaxRetry: subscribeMaxRetry, Wait: subscribeWait,
		Clock: c.clock, Logger: c.log,
	})
}
