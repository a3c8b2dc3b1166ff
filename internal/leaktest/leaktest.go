// Package leaktest fails a test whose goroutines outlive it: a driver's
// reader or a double's serve loop left running is a leak a device would
// carry until it is restarted.
package leaktest

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// settle is how long goroutines have to end once the test is done: they
// end on closed files and connections, which takes a moment under -race.
const settle = 3 * time.Second

// Check fails the test if, once it and its cleanups are done, a goroutine
// whose stack names one of functions (for example "(*port).read") is still
// running after settle. Call it first in the test: cleanups run last in,
// first out, so the check runs after every other cleanup.
func Check(t testing.TB, functions ...string) {
	t.Cleanup(func() {
		deadline := time.Now().Add(settle)
		for {
			leaked := running(functions)
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("leaked goroutines:\n%s", strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// running is the stacks of the goroutines that name one of functions.
func running(functions []string) []string {
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	var found []string
	for stack := range strings.SplitSeq(stacks, "\n\n") {
		for _, function := range functions {
			if strings.Contains(stack, function) {
				found = append(found, stack)
				break
			}
		}
	}
	return found
}
