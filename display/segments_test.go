package display_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/sothutu/sothutu/display"
)

// Each step's writes, as the bus sees them.
func TestSegments(t *testing.T) {
	var written [][]uint8
	poweredDown := 0
	s := &display.Segments[uint8]{
		Gate:   display.Gate{Driver: "test"},
		Places: 3,
		Encode: func(text string, places int) ([]uint8, error) {
			if len(text) > places {
				return nil, fmt.Errorf("test: %q: %w", text, display.ErrTooLong)
			}
			out := make([]uint8, places)
			copy(out[places-len(text):], text)
			return out, nil
		},
		Write: func(segments []uint8) error {
			written = append(written, slices.Clone(segments))
			return nil
		},
	}
	steps := []struct {
		name string
		do   func() error
		want error
		// wrote is what the step writes; nil: nothing.
		wrote []uint8
	}{
		{"Blank", s.Blank, nil, []uint8{0, 0, 0}},
		{"Show", func() error { return s.Show("A1") }, nil, []uint8{0, 'A', '1'}},
		{"Show too long", func() error { return s.Show("A023") }, display.ErrTooLong, nil},
		{"Close", func() error { return s.Close(func() error { poweredDown++; return nil }) }, nil, []uint8{0, 0, 0}},
		{"Close again", func() error { return s.Close(func() error { poweredDown++; return nil }) }, nil, nil},
		{"Show after Close", func() error { return s.Show("A1") }, display.ErrClosed, nil},
	}
	for _, step := range steps {
		written = nil
		if err := step.do(); !errors.Is(err, step.want) {
			t.Errorf("%s: %v, want %v", step.name, err, step.want)
		}
		var wrote []uint8
		if len(written) > 0 {
			wrote = written[0]
		}
		if len(written) > 1 || !slices.Equal(wrote, step.wrote) {
			t.Errorf("%s wrote %v, want %v", step.name, written, step.wrote)
		}
	}
	if poweredDown != 1 {
		t.Errorf("powered down %d times, want 1", poweredDown)
	}
}
