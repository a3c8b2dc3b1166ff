package servertest

import (
	"testing"
	"time"
)

// poll is how often Eventually asks again.
const poll = 10 * time.Millisecond

// Eventually calls ok until it returns true, and fails the test, saying
// "not <what> within <within>", if it has not by then. explain, if given,
// is called first, to log what was seen last. It is for conditions on real
// processes, sockets and goroutines, where no clock can be faked; a test
// on a fake clock or in a testing/synctest bubble advances time instead.
func Eventually(t testing.TB, what string, within time.Duration, ok func() bool, explain ...func()) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			for _, f := range explain {
				f()
			}
			t.Fatalf("not %s within %s", what, within)
		}
		<-time.After(poll) // real state: no clock to fake
	}
}
