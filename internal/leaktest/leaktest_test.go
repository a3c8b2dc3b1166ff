package leaktest

import "testing"

// parked blocks until release is closed, under a name the test looks for.
func parked(release <-chan struct{}, started chan<- struct{}) {
	close(started)
	<-release
}

func TestRunningFindsByFunction(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		parked(release, started)
	}()
	<-started
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
	close(release)
	<-done
	if got := running([]string{"leaktest.parked"}); len(got) != 0 {
		t.Errorf("still running after it returned:\n%s", got)
	}
}

// Check registered on a test whose goroutines have ended passes.
func TestCheckPassesWhenEnded(t *testing.T) {
	Check(t, "leaktest.parked")
	release, started := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		parked(release, started)
	}()
	<-started
	close(release)
	<-done
}
