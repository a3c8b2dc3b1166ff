package link

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/sothutu/sothutu/protocol"
)

// Request sends req to the controller and waits for its reply. An empty
// req.Key is filled in with a new unique key. A refusal by the controller is
// a reply with OK false and its Error, not an error of Request.
//
// The request is stored durably before it is first published, and published
// again every ResendAfter and after every reconnection until its reply
// arrives, across restarts of the program too. If ctx ends first, Request
// returns ctx's error but the request stays pending: its reply will go to
// Options.OnReply. Calling Request again with the same key and request joins
// the pending one: it is sent again at once and both callers get its reply.
func (l *Link) Request(ctx context.Context, req protocol.Request) (protocol.Reply, error) {
	if err := ctx.Err(); err != nil {
		return protocol.Reply{}, err
	}
	if req.Key == "" {
		req.Key = l.newKey()
	}
	payload, err := protocol.Encode(req)
	if err != nil {
		return protocol.Reply{}, fmt.Errorf("link: request %s: protocol.Encode: %w", req.Op, err)
	}
	req.V = protocol.Version
	ch := make(chan protocol.Reply, 1)
	if err := l.add(req, payload, ch); err != nil {
		return protocol.Reply{}, err
	}
	l.wakeup()

	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case r := <-ch: // replies are delivered under mu: it came just now
		return r, nil
	default:
	}
	if p := l.pending[req.Key]; p != nil {
		p.waiters = slices.DeleteFunc(p.waiters, func(c chan protocol.Reply) bool { return c == ch })
	}
	return protocol.Reply{}, ctx.Err()
}

// add stores a new request in the outbox and makes it pending, or joins the
// pending request with the same key.
func (l *Link) add(req protocol.Request, payload []byte, ch chan protocol.Reply) error {
	l.reqMu.Lock()
	defer l.reqMu.Unlock()
	l.mu.Lock()
	if p := l.pending[req.Key]; p != nil {
		defer l.mu.Unlock()
		if !bytes.Equal(p.payload, payload) {
			return fmt.Errorf("%w: %q", ErrKeyInUse, req.Key)
		}
		p.waiters = append(p.waiters, ch)
		p.conn = 0 // send it again now
		return nil
	}
	n := l.nextN
	l.nextN++
	l.mu.Unlock()

	file, err := l.box.put(n, req.Key, payload)
	if err != nil {
		l.log.Error("cannot store a request", "key", req.Key, "op", req.Op, "err", err)
		return fmt.Errorf("%w: %w", ErrOutbox, err)
	}
	l.mu.Lock()
	l.pending[req.Key] = &pending{n: n, file: file, req: req, payload: payload, waiters: []chan protocol.Reply{ch}}
	l.mu.Unlock()
	return nil
}

// Pending is the number of requests waiting for their reply.
func (l *Link) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// newKey makes a key unique across devices and restarts.
func (l *Link) newKey() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails
	return l.opts.Device + "-" + hex.EncodeToString(b[:])
}

// handleReply hands a reply to the callers waiting for it, or to OnReply,
// and removes its request from the outbox. Replies to no pending request
// (repeats of one already handled) are ignored.
func (l *Link) handleReply(payload []byte) {
	r, err := protocol.Decode[protocol.Reply](payload)
	if err != nil {
		l.log.Warn("dropping a bad reply", "err", err)
		return
	}
	if r.Key == "" {
		// The controller could not read a request's key: no request of
		// this link, which encodes every request it sends.
		l.log.Warn("the controller could not read a request", "error", r.Error)
		return
	}
	l.mu.Lock()
	p := l.pending[r.Key]
	if p == nil {
		l.mu.Unlock()
		l.log.Debug("reply to no pending request, a repeat", "key", r.Key)
		return
	}
	delete(l.pending, r.Key)
	waiters := p.waiters
	p.waiters = nil
	for _, ch := range waiters {
		ch <- r // cap 1, one send each: never blocks
	}
	l.mu.Unlock()

	log := l.log.With("key", r.Key, "op", r.Op, "ok", r.OK)
	if r.Op != "" && r.Op != p.req.Op {
		log.Warn("reply's operation differs from the request's", "request_op", p.req.Op)
	}
	if len(waiters) == 0 {
		log.Info("reply to a request nobody waits for any more")
		if l.opts.OnReply != nil {
			l.opts.OnReply(p.req, r)
		}
	} else {
		log.Debug("reply")
	}
	if err := l.box.remove(p.file); err != nil {
		log.Error("cannot remove an answered request from the outbox; it will be sent again after a restart", "err", err)
	}
}
