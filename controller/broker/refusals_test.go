package broker

import (
	"testing"
	"time"
)

func TestRefusals(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	r := newRefusals(func() time.Time { return now })
	type step struct {
		after      time.Duration // since the previous step
		key        string
		log        bool
		suppressed int
	}
	steps := []step{
		{key: "kiosk1", log: true},
		{after: time.Second, key: "kiosk1"},
		{after: time.Second, key: "kiosk1"},
		{key: "counter3", log: true}, // another account has its own budget
		{after: 30 * time.Second, key: "kiosk1"},
		{after: 28 * time.Second, key: "kiosk1", log: true, suppressed: 3},
		{after: time.Second, key: "kiosk1"},
		{after: time.Hour, key: "kiosk1", log: true, suppressed: 1},
		{key: "kiosk1"},
	}
	for i, s := range steps {
		now = now.Add(s.after)
		log, suppressed := r.note(s.key)
		if log != s.log || suppressed != s.suppressed {
			t.Errorf("step %d (%s): log %v, %d suppressed; want %v, %d", i, s.key, log, suppressed, s.log, s.suppressed)
		}
	}
}
