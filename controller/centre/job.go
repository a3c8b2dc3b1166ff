package centre

import (
	"fmt"
	"time"

	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// job is one piece of work for the writer, of one of three kinds, each
// answered its own way: a deviceRequest (from MQTT, its reply published to
// the device), a callerRequest (from Do, its reply handed back to the
// caller) and a pageChange (a change the centre's pages make on the engine).
type job interface {
	// apply makes the job's change on the engine; the writer commits it
	// with the rest of the batch.
	apply(c *Controller, now time.Time) answer
	// deliver hands the answer on once its batch is committed.
	deliver(c *Controller, a answer)
	// notSaved tells whoever waits that the batch did not reach the disk.
	notSaved(err error)
	// stop tells whoever waits that the writer stopped before taking the job.
	stop()
}

// answer is a job's outcome waiting for its batch to be committed.
type answer struct {
	job   job
	reply protocol.Reply
	err   error // of a pageChange
}

// deviceRequest is a request a device sent over MQTT.
type deviceRequest struct {
	actor engine.Actor
	req   protocol.Request
	// refusal, when set, is an error reply prepared before the engine, for
	// a payload that did not decode.
	refusal *protocol.Reply
}

func (j deviceRequest) apply(c *Controller, now time.Time) answer {
	if j.refusal != nil {
		return answer{job: j, reply: c.engine.Refuse(now, j.actor, *j.refusal)}
	}
	return answer{job: j, reply: c.handle(now, j.actor, j.req)}
}

func (j deviceRequest) deliver(c *Controller, a answer) {
	if j.actor.Device == "" {
		return
	}
	publish(c, protocol.ReplyTopic(c.centre.ID, j.actor.Device), a.reply, false)
}

// notSaved publishes nothing: the device asks again with the same key.
func (deviceRequest) notSaved(error) {}

func (deviceRequest) stop() {}

// callerRequest is a request from Do, whose reply goes to done.
type callerRequest struct {
	actor engine.Actor
	req   protocol.Request
	done  chan protocol.Reply
}

func (j callerRequest) apply(c *Controller, now time.Time) answer {
	return answer{job: j, reply: c.handle(now, j.actor, j.req)}
}

func (j callerRequest) deliver(_ *Controller, a answer) { j.done <- a.reply }

func (j callerRequest) notSaved(error) {
	j.done <- protocol.Reply{V: protocol.Version, Key: j.req.Key, Op: j.req.Op,
		Error: &protocol.Error{Code: protocol.CodeInternal, Message: "not saved; try again"}}
}

// stop closes done: Do tells a closed channel from an answer.
func (j callerRequest) stop() { close(j.done) }

// pageChange is a change made on the engine by the centre's web pages
// rather than a request; its error, or the commit's, goes to done.
type pageChange struct {
	change func(now time.Time) error
	done   chan error
}

func (j pageChange) apply(_ *Controller, now time.Time) answer {
	return answer{job: j, err: j.change(now)}
}

func (j pageChange) deliver(_ *Controller, a answer) { j.done <- a.err }

func (j pageChange) notSaved(err error) { j.done <- fmt.Errorf("not saved, try again: %w", err) }

func (j pageChange) stop() { j.done <- ErrStopped }

// handle runs a request through the engine.
func (c *Controller) handle(now time.Time, actor engine.Actor, req protocol.Request) protocol.Reply {
	r := c.engine.Handle(now, actor, req)
	if !r.OK && req.Op == protocol.OpOfflineTicket && r.Error.Code == protocol.CodeNotAllowed {
		// A number outside the kiosk's block may be a second citizen's:
		// the technician must see which kiosk numbers wrongly.
		c.log.Warn("offline ticket refused", "device", actor.Device, "ticket", req.Ticket, "err", r.Error.Message)
	}
	return r
}
