package sim

import (
	"time"
)

// advise has the manager look at the engine's reassignment advice and
// follow all of it at once: the counter finishes its current citizen and
// then calls by its new services.
func (dy *day) advise(t time.Duration) {
	for _, a := range dy.e.Advise(dy.at(t)) {
		k := -1
		for i := range dy.counters {
			if dy.counters[i].id == a.Counter {
				k = i
			}
		}
		if k < 0 || dy.e.Reassign(dy.at(t), a.Counter, a.Skills) != nil {
			continue
		}
		dy.e.Flush()
		dy.r.Moves++
		clear(dy.skills[k])
		for _, sk := range a.Skills {
			dy.skills[k][dy.svcIndex[sk.Service]] = true
		}
		if dy.counters[k].state == idle {
			dy.callNext(t, k)
		}
	}
}
