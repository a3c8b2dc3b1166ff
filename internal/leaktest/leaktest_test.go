package leaktest

import "testing"

// park starts a goroutine blocked in parked, a name the tests look for,
// and returns once it runs; end makes it return and waits for it.
func park() (end func()) {
	release, started, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		parked(release, started)
	}()
	<-started
	return func() {
		close(release)
		<-done
	}
}

func parked(release <-chan struct{}, started chan<- struct{}) {
	close(started)
	<-release
}

func TestRunningFindsByFunction(t *testing.T) {
	end := park()
	tests := []struct {
		functions []string
		want      int
	}{
		{[]string{"leaktest.parked"}, 1},
		{[]string{"nothing.here", "leaktest.parked"}, 1},
		{[]string{"nothing.here"}, 0},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := len(running(tt.functions)); got != tt.want {
			t.Errorf("running(%q): %d stacks, want %d", tt.functions, got, tt.want)
		}
	}
	end()
	if got := running([]string{"leaktest.parked"}); len(got) != 0 {
		t.Errorf("still running after it returned:\n%s", got)
	}
}

// Check registered on a test whose goroutines have ended passes.
func TestCheckPassesWhenEnded(t *testing.T) {
	Check(t, "leaktest.parked")
	park()()
}
