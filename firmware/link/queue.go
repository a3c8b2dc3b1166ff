package link

import "sync"

// queue is a bounded FIFO between paho's callbacks, which must never block,
// and a goroutine of the link that drains it. When it is full, push drops the
// oldest item: fresh retained state is worth more than stale.
type queue[T any] struct {
	mu      sync.Mutex
	items   []T
	limit   int
	dropped uint64
	ready   chan struct{} // holds a token while items may be waiting
}

func newQueue[T any](limit int) *queue[T] {
	return &queue[T]{limit: limit, ready: make(chan struct{}, 1)}
}

// push appends v without blocking. It reports how many items it has dropped
// so far if it had to drop one now, and 0 otherwise.
func (q *queue[T]) push(v T) (dropped uint64) {
	q.mu.Lock()
	if len(q.items) >= q.limit {
		var zero T
		q.items[0] = zero
		q.items = q.items[1:]
		q.dropped++
		dropped = q.dropped
	}
	q.items = append(q.items, v)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return dropped
}

// pop takes the oldest item, if any.
func (q *queue[T]) pop() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var zero T
	if len(q.items) == 0 {
		return zero, false
	}
	v := q.items[0]
	q.items[0] = zero
	q.items = q.items[1:]
	return v, true
}

// len is the number of waiting items.
func (q *queue[T]) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
