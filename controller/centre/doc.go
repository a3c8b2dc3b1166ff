// Package centre runs a centre's controller: it takes device requests from
// MQTT, applies them through the queue engine in a single writer goroutine,
// commits each group of changes to the store, and only then replies and
// publishes the new counter, service and board states and the call events.
//
// Requests that arrive together are applied and committed together (group
// commit): one fsync acknowledges many commands, which is what lets a small
// machine take thousands of durable commands a second. If a commit fails, the
// engine is rebuilt from the store and the requests go unanswered; devices
// re-send them with the same keys.
//
// The controller also follows device presence (a newer connection sequence
// wins over a late last will) and serves a small JSON status on HTTP.
package centre
