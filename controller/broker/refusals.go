package broker

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// refusalEvery is how often at most one account's refusals are logged
// after the first: a misbehaving device refused thousands of times a
// minute writes one line a minute, not enough to fill a kiosk's SD card.
const refusalEvery = time.Minute

// refusals decides which refusals are logged: per account, the first, then
// at most one per refusalEvery, with the count of those left out since.
// Its keys are the accounts' usernames and one for unknown usernames, so
// it holds no more than the accounts do.
type refusals struct {
	mu  sync.Mutex
	now func() time.Time
	by  map[string]*refused
}

type refused struct {
	limit      *rate.Limiter
	suppressed int
}

func newRefusals(now func() time.Time) *refusals {
	return &refusals{now: now, by: map[string]*refused{}}
}

// note counts a refusal for the account key and reports whether to log
// it, with how many were not logged since the last one that was.
func (r *refusals) note(key string) (log bool, suppressed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.by[key]
	if f == nil {
		f = &refused{limit: rate.NewLimiter(rate.Every(refusalEvery), 1)}
		r.by[key] = f
	}
	if !f.limit.AllowN(r.now(), 1) {
		f.suppressed++
		return false, 0
	}
	suppressed, f.suppressed = f.suppressed, 0
	return true, suppressed
}
