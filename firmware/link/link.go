package link

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/protocol"
)

// Link is a device's connection to its centre's controller. Make one with
// New, start it with Run; Request, Subscribe and PublishPresence may be called
// at any time from any goroutine, before Run too.
type Link struct {
	opts  Options
	log   *slog.Logger
	clock clock.Clock
	box   *outbox

	replyTopic, presenceTopic, requestTopic string

	running   atomic.Bool
	connected atomic.Bool

	user     *queue[message] // for Subscribe's handlers
	internal *queue[message] // replies and our own presence
	wake     chan struct{}   // cap 1: work for the connection goroutine

	seqMu sync.Mutex
	seq   uint64 // last connection sequence handed out, as persisted

	reqMu sync.Mutex // serialises outbox writes; taken before mu

	mu          sync.Mutex
	conn        uint64 // sequence of the connection that is up; 0 if none
	nextN       uint64 // order of the next request in the outbox
	pending     map[string]*pending
	subs        []subscription
	birthWanted bool
}

// pending is a request waiting for its reply.
type pending struct {
	n       uint64
	file    string
	req     protocol.Request
	payload []byte
	conn    uint64    // connection it was last published on
	sentAt  time.Time // when, by the Clock
	sends   int
	waiters []chan protocol.Reply // callers still waiting; cap 1 each
}

type subscription struct {
	filter  string
	handler func(topic string, payload []byte)
}

// message is a copy of an MQTT message, queued away from paho's goroutine.
type message struct {
	filter  string // the subscription that matched; empty for internal ones
	topic   string
	payload []byte
}

// New checks opts, creates StateDir if needed and loads the requests left
// pending in its outbox by an earlier run; Run re-sends them once connected.
func New(opts Options) (*Link, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	l := &Link{
		opts:          opts,
		clock:         opts.Clock,
		log:           opts.Logger.With("centre", opts.Centre, "device", opts.Device),
		replyTopic:    protocol.ReplyTopic(opts.Centre, opts.Device),
		presenceTopic: protocol.PresenceTopic(opts.Centre, opts.Device),
		requestTopic:  protocol.RequestTopic(opts.Centre, opts.Device),
		user:          newQueue[message](queueLimit),
		internal:      newQueue[message](queueLimit),
		wake:          make(chan struct{}, 1),
		pending:       map[string]*pending{},
	}
	box, loaded, err := openOutbox(opts.StateDir, func(file string, err error) {
		l.log.Error("unreadable request in the outbox, set aside as .bad", "file", file, "err", err)
	})
	if err != nil {
		return nil, fmt.Errorf("link: open outbox in %s: %w", opts.StateDir, err)
	}
	l.box = box
	for _, s := range loaded {
		l.pending[s.req.Key] = &pending{n: s.n, file: s.file, req: s.req, payload: s.payload}
		l.nextN = max(l.nextN, s.n+1)
	}
	if len(loaded) > 0 {
		l.log.Info("requests pending from an earlier run", "count", len(loaded))
	}
	seq, err := readSeq(opts.StateDir)
	if err != nil {
		// A device whose state was lost must still count up: the Unix
		// time is above any count it can have reached.
		seq = uint64(max(l.clock.Now().Unix(), 0))
		l.log.Error("unreadable connection sequence, starting from the clock", "file", seqFile, "seq", seq, "err", err)
	} else if seq == 0 {
		seq = uint64(max(l.clock.Now().Unix(), 0))
	}
	l.seq = seq
	return l, nil
}

// Connected reports whether the link is up: connected, subscribed and its
// birth published.
func (l *Link) Connected() bool { return l.connected.Load() }

// Subscribe registers handler for the messages matching filter (QoS 1). The
// subscription is made on every connection, now too if the link is up.
// Handlers run one at a time on a goroutine of the link, never on paho's; a
// slow handler delays the other handlers but not the replies to requests.
// When more than a few hundred messages wait, the oldest are dropped.
func (l *Link) Subscribe(filter string, handler func(topic string, payload []byte)) {
	l.mu.Lock()
	l.subs = append(l.subs, subscription{filter: filter, handler: handler})
	l.mu.Unlock()
	l.wakeup()
}

// PublishPresence publishes the birth again, with what Options.Health says
// now. Call it when the device's health changes. It does not wait; a link
// that is down publishes its birth when it reconnects anyway.
func (l *Link) PublishPresence() {
	l.mu.Lock()
	l.birthWanted = true
	l.mu.Unlock()
	l.wakeup()
}

func (l *Link) wakeup() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run connects to the broker and keeps reconnecting, with backoff, until ctx
// ends. It then publishes the device's offline presence, disconnects, waits
// for its goroutines (and so for a handler that is running) and returns nil.
func (l *Link) Run(ctx context.Context) error {
	if !l.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer l.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { drain(ctx, l.user, l.dispatch) })
	wg.Go(func() { drain(ctx, l.internal, l.handleInternal) })
	defer wg.Wait()
	defer cancel()

	backoff := minBackoff
	failures := 0
	for {
		start := l.clock.Now()
		up, err := l.connection(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if up {
			failures = 0
			if l.clock.Now().Sub(start) >= stableAfter {
				backoff = minBackoff
			}
		} else if err != nil {
			// Loud at first, then about every 5 minutes: a device may
			// wait hours for its controller.
			level := slog.LevelDebug
			if failures%60 == 0 {
				level = slog.LevelWarn
			}
			failures++
			l.log.Log(ctx, level, "cannot connect to the broker", "broker", l.opts.Broker, "attempts", failures, "err", err)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		l.log.Debug("reconnecting", "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-l.clock.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// connState follows one paho client's connection.
type connState struct {
	once sync.Once
	lost chan struct{}
	err  error
}

func (s *connState) onLost(_ mqtt.Client, err error) {
	s.once.Do(func() {
		s.err = err
		close(s.lost)
	})
}

var errLost = errors.New("connection lost")

// await waits for t, the end of ctx or the loss of the connection.
func (s *connState) await(ctx context.Context, t mqtt.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-s.lost:
		return fmt.Errorf("%w: %w", errLost, s.err)
	}
}

// connection makes one connection with a fresh paho client and serves it
// until it is lost or ctx ends. It reports whether the link came up, and why
// it could not connect.
func (l *Link) connection(ctx context.Context) (up bool, err error) {
	seq := l.nextSeq()
	log := l.log.With("seq", seq)
	will, err := protocol.Encode(protocol.Presence{Device: l.opts.Device, Kind: l.opts.Kind, Online: false, Seq: seq})
	if err != nil { // cannot happen: New validated device and kind
		return false, fmt.Errorf("encode the last will: %w", err)
	}
	s := &connState{lost: make(chan struct{})}
	c := mqtt.NewClient(mqtt.NewClientOptions().
		AddBroker(l.opts.Broker).
		SetClientID(l.opts.Device).
		SetUsername(l.opts.Username).
		SetPassword(l.opts.Password).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(connectTimeout).
		SetKeepAlive(keepAlive).
		SetPingTimeout(pingTimeout).
		SetWriteTimeout(writeTimeout).
		SetBinaryWill(l.presenceTopic, will, 1, true).
		SetConnectionLostHandler(s.onLost))

	t := c.Connect()
	select {
	case <-t.Done():
	case <-ctx.Done():
		<-t.Done() // bounded by connectTimeout
		if t.Error() == nil {
			c.Disconnect(0)
		}
		return false, nil
	}
	if err := t.Error(); err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}

	l.mu.Lock()
	l.conn = seq
	l.birthWanted = false
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.conn = 0
		l.mu.Unlock()
	}()
	subscribed := map[string]bool{}
	if err := l.setup(ctx, c, s, seq, subscribed); err != nil {
		if ctx.Err() != nil {
			l.goodbye(c, seq)
		} else {
			log.Warn("connection lost while setting up", "err", err)
			c.Disconnect(0)
		}
		return false, nil
	}
	l.connected.Store(true)
	log.Info("connected", "broker", l.opts.Broker)
	l.notify(true)
	defer func() {
		l.connected.Store(false)
		l.notify(false)
	}()

	for {
		next := l.flush(ctx, c, s, seq, subscribed)
		var resend <-chan time.Time
		if next > 0 {
			resend = l.clock.After(next)
		}
		select {
		case <-ctx.Done():
			l.goodbye(c, seq)
			log.Info("disconnected")
			return true, nil
		case <-s.lost:
			log.Warn("connection lost", "err", s.err)
			return true, nil
		case <-l.wake:
		case <-resend:
		}
	}
}

func (l *Link) notify(up bool) {
	if l.opts.OnConnection != nil {
		l.opts.OnConnection(up)
	}
}

// setup subscribes to the replies and the handlers' filters, publishes the
// birth, then subscribes to the device's own presence: after the birth, so
// that the retained presence it receives first is that birth.
func (l *Link) setup(ctx context.Context, c mqtt.Client, s *connState, seq uint64, subscribed map[string]bool) error {
	if err := l.subscribe(ctx, c, s, l.replyTopic, l.route(l.replyTopic)); err != nil {
		return err
	}
	for _, f := range l.newFilters(subscribed) {
		if err := l.subscribe(ctx, c, s, f, l.route(f)); err != nil {
			return err
		}
	}
	if err := s.await(ctx, l.publishBirth(c, seq)); err != nil {
		if ctx.Err() != nil || errors.Is(err, errLost) {
			return err
		}
		l.log.Error("cannot publish the birth", "err", err)
	}
	return l.subscribe(ctx, c, s, l.presenceTopic, l.route(l.presenceTopic))
}

// subscribe subscribes and waits for the broker's answer. It returns an
// error only when ctx ended or the connection was lost; a refusal is logged.
func (l *Link) subscribe(ctx context.Context, c mqtt.Client, s *connState, filter string, h mqtt.MessageHandler) error {
	t := c.Subscribe(filter, 1, h)
	err := s.await(ctx, t)
	if ctx.Err() != nil || errors.Is(err, errLost) {
		return err
	}
	if err != nil {
		l.log.Error("cannot subscribe", "filter", filter, "err", err)
		return nil
	}
	if st, ok := t.(*mqtt.SubscribeToken); ok {
		for f, code := range st.Result() {
			if code == 0x80 {
				l.log.Error("the broker refused the subscription: check its access rules for this device", "filter", f)
			}
		}
	}
	return nil
}

// newFilters lists the filters not yet subscribed on this connection and
// marks them subscribed.
func (l *Link) newFilters(subscribed map[string]bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var fs []string
	for _, s := range l.subs {
		if !subscribed[s.filter] {
			subscribed[s.filter] = true
			fs = append(fs, s.filter)
		}
	}
	return fs
}

func (l *Link) publishBirth(c mqtt.Client, seq uint64) mqtt.Token {
	p := protocol.Presence{
		Device:   l.opts.Device,
		Kind:     l.opts.Kind,
		Online:   true,
		Seq:      seq,
		Firmware: l.opts.Firmware,
		At:       l.clock.Now(),
	}
	if l.opts.Health != nil {
		h := l.opts.Health()
		p.Health = &h
	}
	return l.publishPresence(c, p)
}

func (l *Link) publishPresence(c mqtt.Client, p protocol.Presence) mqtt.Token {
	b, err := protocol.Encode(p)
	if err != nil {
		l.log.Error("cannot encode the presence", "err", err)
		return doneToken{err}
	}
	return c.Publish(l.presenceTopic, 1, true, b)
}

// goodbye marks the device offline, as its last will would, and disconnects:
// a clean disconnection does not fire the will.
func (l *Link) goodbye(c mqtt.Client, seq uint64) {
	t := l.publishPresence(c, protocol.Presence{Device: l.opts.Device, Kind: l.opts.Kind, Online: false, Seq: seq, At: l.clock.Now()})
	if !t.WaitTimeout(goodbyeTimeout) || t.Error() != nil {
		l.log.Warn("offline presence not confirmed", "err", t.Error())
	}
	c.Disconnect(disconnectQuiesce)
}

// flush does what is waiting on an up connection: new subscriptions, a birth
// asked for, requests never sent on this connection or due for a resend. It
// returns how long until the next resend is due, 0 if none is pending.
func (l *Link) flush(ctx context.Context, c mqtt.Client, s *connState, seq uint64, subscribed map[string]bool) time.Duration {
	for _, f := range l.newFilters(subscribed) {
		if err := l.subscribe(ctx, c, s, f, l.route(f)); err != nil {
			return 0 // the caller sees why
		}
	}
	l.mu.Lock()
	birth := l.birthWanted
	l.birthWanted = false
	now := l.clock.Now()
	var due []*pending
	var next time.Duration
	for _, p := range l.pending {
		if p.conn != seq || now.Sub(p.sentAt) >= l.opts.ResendAfter {
			p.conn, p.sentAt = seq, now
			p.sends++
			due = append(due, p)
		}
		if wait := p.sentAt.Add(l.opts.ResendAfter).Sub(now); next == 0 || wait < next {
			next = wait
		}
	}
	sends := make([]int, len(due))
	slices.SortFunc(due, func(a, b *pending) int { return cmp.Compare(a.n, b.n) })
	for i, p := range due {
		sends[i] = p.sends
	}
	l.mu.Unlock()

	if birth {
		l.publishBirth(c, seq)
	}
	for i, p := range due {
		t := c.Publish(l.requestTopic, 1, false, p.payload)
		if n := sends[i]; n == 5 || n%100 == 0 {
			l.log.Warn("still no reply from the controller, sending the request again", "key", p.req.Key, "op", p.req.Op, "send", n)
		} else {
			l.log.Debug("request published", "key", p.req.Key, "op", p.req.Op, "send", n)
		}
		select {
		case <-t.Done():
			if err := t.Error(); err != nil {
				l.log.Warn("cannot publish a request, will retry", "key", p.req.Key, "err", err)
			}
		default:
		}
	}
	return next
}

// route is the paho callback for filter. It only copies the message into the
// queue of the link (replies, own presence) or of the handlers, or both when
// a handler subscribed to one of the link's own topics: paho keeps one
// callback per filter.
func (l *Link) route(filter string) mqtt.MessageHandler {
	internal := filter == l.replyTopic || filter == l.presenceTopic
	return func(_ mqtt.Client, m mqtt.Message) {
		if internal {
			if n := l.internal.push(message{topic: m.Topic(), payload: bytes.Clone(m.Payload())}); n > 0 {
				l.logDrop("replies", n)
			}
		}
		if l.hasHandler(filter) {
			if n := l.user.push(message{filter: filter, topic: m.Topic(), payload: bytes.Clone(m.Payload())}); n > 0 {
				l.logDrop("subscriptions", n)
			}
		}
	}
}

func (l *Link) hasHandler(filter string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.subs, func(s subscription) bool { return s.filter == filter })
}

func (l *Link) logDrop(which string, n uint64) {
	if n == 1 || n%100 == 0 {
		l.log.Warn("message queue full: a handler is too slow, oldest messages dropped", "queue", which, "dropped", n)
	}
}

// drain hands the items of q to f, one at a time, until ctx ends.
func drain[T any](ctx context.Context, q *queue[T], f func(T)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.ready:
		}
		for ctx.Err() == nil {
			v, ok := q.pop()
			if !ok {
				break
			}
			f(v)
		}
	}
}

// dispatch runs the handlers of the subscription m came through.
func (l *Link) dispatch(m message) {
	l.mu.Lock()
	var hs []func(string, []byte)
	for _, s := range l.subs {
		if s.filter == m.filter {
			hs = append(hs, s.handler)
		}
	}
	l.mu.Unlock()
	for _, h := range hs {
		h(m.topic, m.payload)
	}
}

func (l *Link) handleInternal(m message) {
	switch m.topic {
	case l.replyTopic:
		l.handleReply(m.payload)
	case l.presenceTopic:
		l.handlePresence(m.payload)
	}
}

// handlePresence re-publishes the birth when the broker holds a stale
// presence of this device: typically the late last will of an earlier
// connection, which replaced the birth of the current one.
func (l *Link) handlePresence(payload []byte) {
	p, err := protocol.Decode[protocol.Presence](payload)
	if err != nil {
		l.log.Warn("dropping a bad presence message", "err", err)
		return
	}
	if p.Device != l.opts.Device {
		l.log.Warn("presence of another device on this device's topic", "other", p.Device)
		return
	}
	l.mu.Lock()
	conn := l.conn
	l.mu.Unlock()
	switch {
	case conn == 0:
	case p.Seq > conn:
		l.log.Warn("presence with a higher sequence than this connection's: another device may use this id", "seen", p.Seq, "seq", conn)
		l.raiseSeq(p.Seq)
	case !p.Online || p.Seq < conn:
		l.log.Info("stale presence on the broker, publishing the birth again", "seen", p.Seq, "online", p.Online, "seq", conn)
		l.PublishPresence()
	}
}

// nextSeq hands out and persists the sequence of a new connection. A failure
// to persist is logged, not fatal: the device keeps working.
func (l *Link) nextSeq() uint64 {
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	l.seq++
	if err := writeSeq(l.opts.StateDir, l.seq); err != nil {
		l.log.Error("cannot store the connection sequence", "err", err)
	}
	return l.seq
}

// raiseSeq makes the next connection's sequence exceed seen.
func (l *Link) raiseSeq(seen uint64) {
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	if seen <= l.seq {
		return
	}
	l.seq = seen
	if err := writeSeq(l.opts.StateDir, l.seq); err != nil {
		l.log.Error("cannot store the connection sequence", "err", err)
	}
}

// doneToken is a token that completed without a flow, with err.
type doneToken struct{ err error }

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (doneToken) Wait() bool                     { return true }
func (doneToken) WaitTimeout(time.Duration) bool { return true }
func (doneToken) Done() <-chan struct{}          { return closed }
func (t doneToken) Error() error                 { return t.err }

var _ mqtt.Token = doneToken{}
