// Package mqttwait waits for the broker's answer to a paho subscription
// and tells a refusal from a grant: paho completes a refused subscription's
// token without an error, leaving the failure code in its result, and a
// client that trusted it would wait for messages that never come.
//
// Session builds on it the one way the server-side clients (the
// controller, the uplink, the city's ingest) keep their subscriptions:
// subscribed on every connection, tried again with backoff until granted,
// connections and losses reported.
package mqttwait

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// ErrRefused is wrapped by Subscribed's error when the broker answered
// with a failure code for a filter.
var ErrRefused = errors.New("subscription refused by the broker")

// ErrNoAnswer is wrapped by Subscribed's error when the broker did not
// answer in time.
var ErrNoAnswer = errors.New("no answer from the broker")

// Subscribed waits up to timeout, or until ctx ends, for the answer to the
// subscription of tok, and returns nil if the broker granted every filter.
// The timeout is a real one: it bounds a wait on the network.
func Subscribed(ctx context.Context, tok mqtt.Token, timeout time.Duration) error {
	wait := time.NewTimer(timeout)
	defer wait.Stop()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		return ctx.Err()
	case <-wait.C:
		return fmt.Errorf("subscribe: %w in %v", ErrNoAnswer, timeout)
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	st, ok := tok.(*mqtt.SubscribeToken)
	if !ok {
		return nil
	}
	var refused []string
	for filter, code := range st.Result() {
		if code >= 0x80 { // MQTT 3.1.1's failure; MQTT 5's reason codes from 0x80 on
			refused = append(refused, filter)
		}
	}
	if len(refused) > 0 {
		slices.Sort(refused)
		return fmt.Errorf("subscribe: %w: %s", ErrRefused, strings.Join(refused, ", "))
	}
	return nil
}
