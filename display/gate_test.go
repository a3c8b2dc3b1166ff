package display_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/sothutu/sothutu/display"
)

func TestGate(t *testing.T) {
	failed := errors.New("bus failed")
	tests := []struct {
		name      string
		blank     error // what Close's blanking returns
		wantClose error
	}{
		{"blank succeeds", nil, nil},
		{"blank fails", failed, failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &display.Gate{Driver: "test"}
			writes, blanks := 0, 0
			if err := g.Show(func() error { writes++; return nil }); err != nil {
				t.Fatalf("Show before Close: %v", err)
			}
			if err := g.Close(func() error { blanks++; return tt.blank }); !errors.Is(err, tt.wantClose) {
				t.Errorf("Close: %v, want %v", err, tt.wantClose)
			}
			if err := g.Close(func() error { blanks++; return nil }); err != nil {
				t.Errorf("second Close: %v, want nil", err)
			}
			err := g.Show(func() error { writes++; return nil })
			if !errors.Is(err, display.ErrClosed) || err.Error() != "test: Show: display closed" {
				t.Errorf("Show after Close: %v, want test: Show: display closed", err)
			}
			if writes != 1 || blanks != 1 {
				t.Errorf("%d writes and %d blankings, want 1 and 1", writes, blanks)
			}
		})
	}
}

// Writes from many goroutines run one at a time (the race detector sees
// the counter otherwise).
func TestGateOneWriteAtATime(t *testing.T) {
	var g display.Gate
	inside, most := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_ = g.Show(func() error {
				inside++
				most = max(most, inside)
				inside--
				return nil
			})
		})
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d writes at once, want 1", most)
	}
}
