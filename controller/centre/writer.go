package centre

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// write is the single writer: it owns the engine. Each round takes the
// requests waiting (up to MaxBatch), applies them, commits the changes in one
// transaction, then replies and publishes.
func (c *Controller) write(ctx context.Context) error {
	// Ticks on the clock, so that a test moving it moves them too.
	tick := c.clock.After(c.opts.TickEvery)
	alertTick := c.clock.After(c.opts.AlertEvery)
	var answers []answer
	for {
		answers = answers[:0]
		republish := false
		select {
		case <-ctx.Done():
			c.drain()
			return nil
		case f := <-c.reads:
			f()
			continue
		case <-c.republish:
			republish = true
		case <-alertTick:
			alertTick = c.clock.After(c.opts.AlertEvery)
			c.checkAlerts(ctx, c.now())
			continue
		case <-tick:
			tick = c.clock.After(c.opts.TickEvery)
			c.engine.Tick(c.now())
			republish = true
		case j := <-c.in:
			answers = c.apply(answers, j)
		more:
			for len(answers) < c.opts.MaxBatch {
				select {
				case j := <-c.in:
					answers = c.apply(answers, j)
				default:
					break more
				}
			}
		}
		batch := c.engine.Flush()
		if !batch.Empty() {
			if err := c.store.Commit(ctx, &batch); err != nil {
				if err := c.failed(ctx, answers, err); err != nil {
					c.drain()
					return err
				}
				continue
			}
		}
		for _, a := range answers {
			a.job.deliver(c, a)
		}
		if republish {
			c.publishAll()
		} else {
			c.publishBatch(&batch)
		}
		if !batch.Empty() || republish {
			c.overview = nil
			c.checkAlerts(ctx, c.now())
			c.watchers.notify()
		}
	}
}

func (c *Controller) apply(answers []answer, j job) []answer {
	return append(answers, j.apply(c, c.now()))
}

// ErrStateLost is wrapped by Run's error when a commit failed and the state
// could not be read back from the store either: the engine then holds
// changes that are not on disk, and serving them could give a number the
// store does not know to a second citizen after a restart. The controller
// stops instead, for systemd to restart it on the store.
var ErrStateLost = errors.New("state not saved and not rebuilt from the store; stopping")

// failed handles a commit that did not reach the disk: nothing of the batch
// may be acknowledged, and the engine goes back to what the store holds.
// If it cannot, the error wraps ErrStateLost, and the writer stops; nil
// too when ctx ended meanwhile, as the next start reads the store anyway.
func (c *Controller) failed(ctx context.Context, answers []answer, err error) error {
	c.log.Error("commit failed; rebuilding state from the store", "err", err, "requests", len(answers))
	for _, a := range answers {
		a.job.notSaved(err)
	}
	if loadErr := c.load(ctx); loadErr != nil {
		if ctx.Err() != nil {
			return nil
		}
		c.log.Error("rebuild from store failed; stopping", "err", loadErr)
		return fmt.Errorf("%w: commit: %w; rebuild: %w", ErrStateLost, err, loadErr)
	}
	return nil
}

// drain answers in-process callers still queued when the controller stops.
func (c *Controller) drain() {
	for {
		select {
		case j := <-c.in:
			j.stop()
		default:
			return
		}
	}
}

func (c *Controller) publishBatch(b *engine.Batch) {
	now := c.now()
	for _, cn := range b.Counters {
		publish(c, protocol.CounterTopic(c.centre.ID, cn.ID), c.engine.CounterState(cn.ID), true)
	}
	for _, s := range b.Services {
		publish(c, protocol.ServiceTopic(c.centre.ID, s), c.engine.ServiceState(s, now), true)
	}
	for _, call := range b.Calls {
		publish(c, protocol.CallTopic(c.centre.ID), call, false)
	}
	if b.Board {
		publish(c, protocol.BoardTopic(c.centre.ID), c.engine.BoardState(now), true)
	}
}

// publishAll publishes every retained state: after a (re)connect, since the
// broker may have lost them, and on every tick, since waits grow with time.
func (c *Controller) publishAll() {
	now := c.now()
	for _, id := range c.engine.Counters() {
		publish(c, protocol.CounterTopic(c.centre.ID, id), c.engine.CounterState(id), true)
	}
	for _, id := range c.engine.Services() {
		publish(c, protocol.ServiceTopic(c.centre.ID, id), c.engine.ServiceState(id, now), true)
	}
	publish(c, protocol.BoardTopic(c.centre.ID), c.engine.BoardState(now), true)
	publish(c, protocol.AdviceTopic(c.centre.ID), c.advice(now), true)
	publish(c, protocol.AlertsTopic(c.centre.ID), c.alertState(now), true)
	c.publishController(true)
}

// advice is the engine's advice to the manager, as published.
func (c *Controller) advice(now time.Time) protocol.AdviceState {
	a := protocol.AdviceState{At: now, Moves: []protocol.Move{}}
	for _, m := range c.engine.Advise(now) {
		mv := protocol.Move{Counter: m.Counter, Service: m.Service, Return: m.Return,
			WaitSeconds: int(m.Wait / time.Second), AfterSeconds: int(m.After / time.Second),
			TargetSeconds: int(m.Target / time.Second)}
		for _, s := range m.Skills {
			mv.Services = append(mv.Services, s.Service)
		}
		a.Moves = append(a.Moves, mv)
	}
	if len(a.Moves) > protocol.MaxMoves {
		a.Moves = a.Moves[:protocol.MaxMoves]
	}
	return a
}

func (c *Controller) publishController(online bool) {
	s := protocol.ControllerState{Online: online}
	if online {
		s.Version, s.Started, s.Day = c.opts.Version, c.started, c.engine.Day()
	}
	publish(c, protocol.ControllerTopic(c.centre.ID), s, true)
}

// publish sends a payload at QoS 1 without waiting: a reply lost on the way
// is asked for again by the device, and states are published again.
//
// Nothing is published while the broker is unreachable: the states are
// published again on connecting, a device asks again for its reply, and a
// call missed by a board shows in the board's state. (Queuing them in the
// MQTT client instead races in paho's resume of its queue on connecting.)
func publish[T protocol.Payload](c *Controller, topic string, p T, retained bool) {
	if !c.client.IsConnectionOpen() {
		return
	}
	b, err := protocol.Encode(p)
	if err != nil {
		c.log.Error("encode for publish", "topic", topic, "err", err)
		return
	}
	c.client.Publish(topic, 1, retained, b)
}
