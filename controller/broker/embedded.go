package broker

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Broker is what the controller holds of the broker serving its centre,
// embedded or external.
type Broker interface {
	// Addr is the host:port clients connect to.
	Addr() string
	// Close stops serving and disconnects every client.
	Close() error
}

var _ Broker = (*Embedded)(nil)

// Options configures an embedded broker.
type Options struct {
	// Addr is the TCP address to listen on; "127.0.0.1:0" picks a free port.
	Addr string
	// Accounts are the only clients allowed to connect.
	Accounts []Account
	// Logger receives refused connections and topics at Warn (one short
	// line each, per account the first and then at most one a minute with
	// the count of those left out), session takeovers at Info and
	// connections at Debug. The broker library's own records are passed on
	// at Debug, without packet dumps, except its errors and its warnings
	// about the server rather than about one connection. Nil discards
	// everything.
	Logger *slog.Logger
	// Refuse, when set, refuses on top of the accounts' rights what it
	// returns true for: a publish (write) or a subscription filter or a
	// delivered topic (read). It is for tests of clients facing a broker
	// that refuses what it should allow, as a clustered broker does for a
	// few seconds while a node's sessions move.
	Refuse func(username, topic string, write bool) bool
}

// Embedded is an MQTT broker running inside the controller process.
type Embedded struct {
	server  *mqtt.Server
	addr    string
	serving sync.WaitGroup // the listener's accept loop

	closeOnce sync.Once
	closeErr  error
}

// Start listens on opts.Addr and serves MQTT 3.1.1 and 5 to the accounts,
// with retained messages and QoS 0 to 2. It fails with ErrAccount if an
// account is invalid or a username is used twice.
func Start(opts Options) (*Embedded, error) {
	if err := checkAccounts(opts.Accounts); err != nil {
		return nil, fmt.Errorf("broker.Start: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	server := mqtt.New(&mqtt.Options{
		Logger: slog.New(quietHandler{log.Handler()}),
		// Capabilities are mochi's defaults: QoS 2, retained messages.
		// The inline client stays off: its subscriptions' scans are
		// outside the retained order (see retainedOrder).
	})

	conns := &connections{open: make(map[net.Conn]chan struct{})}
	h := newHook(opts.Accounts, log, server, conns)
	h.refuse = opts.Refuse
	if err := server.AddHook(h, nil); err != nil {
		return nil, fmt.Errorf("broker.Start: AddHook: %w", err)
	}

	e := &Embedded{server: server}
	tcp := listeners.NewTCP(listeners.Config{Type: listeners.TypeTCP, ID: "tcp", Address: opts.Addr})
	if err := server.AddListener(trackedListener{TCP: tcp, conns: conns, done: e.serving.Done}); err != nil {
		return nil, fmt.Errorf("broker.Start: listen on %q: %w", opts.Addr, err)
	}
	e.addr = tcp.Address()

	e.serving.Add(1)
	if err := server.Serve(); err != nil {
		e.serving.Done()
		_ = e.Close()
		return nil, fmt.Errorf("broker.Start: Serve: %w", err)
	}
	log.Info("mqtt broker listening", "addr", e.addr, "accounts", len(opts.Accounts))
	return e, nil
}

// Addr is the address the broker listens on, with the port it was given:
// "tcp://"+Addr() is a client URL.
func (e *Embedded) Addr() string { return e.addr }

// Close disconnects every client, stops listening and waits for the
// connections' goroutines. Calling it again does nothing.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		e.closeErr = e.server.Close()
		e.serving.Wait()
	})
	if e.closeErr != nil {
		return fmt.Errorf("broker.Close: %w", e.closeErr)
	}
	return nil
}

// trackedListener is mochi's TCP listener, with an accept loop Close can wait
// for (mochi starts it in a goroutine of its own and does not) and a record of
// the connections being served.
type trackedListener struct {
	*listeners.TCP
	conns *connections
	done  func()
}

func (l trackedListener) Serve(establish listeners.EstablishFn) {
	defer l.done()
	l.TCP.Serve(l.conns.track(establish))
}

// connections are the connections mochi is serving, each with a channel
// closed once mochi has finished with it, session cleanup included.
type connections struct {
	mu   sync.Mutex
	open map[net.Conn]chan struct{}
}

func (c *connections) track(establish listeners.EstablishFn) listeners.EstablishFn {
	return func(id string, conn net.Conn) error {
		done := make(chan struct{})
		c.mu.Lock()
		c.open[conn] = done
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			delete(c.open, conn)
			c.mu.Unlock()
			close(done)
		}()
		return establish(id, conn)
	}
}

// done is closed when mochi has finished with conn; nil if it has already.
func (c *connections) done(conn net.Conn) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open[conn]
}

// hook is the mochi hook that applies the accounts: authentication at
// connect, Account.Allowed on last wills, publishes, subscriptions and
// deliveries.
type hook struct {
	mqtt.HookBase
	accounts map[string]Account  // by username
	devices  map[string]struct{} // device usernames, no controller may use as client id
	log      *slog.Logger
	server   *mqtt.Server
	conns    *connections
	refusals *refusals
	// takeovers bounds the takeover lines of a device caught in a
	// reconnect loop (by a refused QoS 1 publish, say) as refusals does.
	takeovers *refusals
	refuse    func(username, topic string, write bool) bool // Options.Refuse
	retained  *retainedOrder
}

func newHook(accounts []Account, log *slog.Logger, server *mqtt.Server, conns *connections) *hook {
	h := &hook{
		accounts:  make(map[string]Account, len(accounts)),
		devices:   make(map[string]struct{}),
		log:       log,
		server:    server,
		conns:     conns,
		refusals:  newRefusals(time.Now),
		takeovers: newRefusals(time.Now),
		retained:  newRetainedOrder(),
	}
	for _, a := range accounts {
		h.accounts[a.Username] = a
		if a.Device != "" {
			h.devices[a.Username] = struct{}{}
		}
	}
	return h
}

func (h *hook) ID() string { return "sothutu-accounts" }

func (h *hook) Provides(b byte) bool {
	switch b {
	case mqtt.OnConnectAuthenticate, mqtt.OnACLCheck,
		mqtt.OnConnect, mqtt.OnSubscribe, mqtt.OnPublish, mqtt.OnRetainMessage,
		mqtt.OnWill, mqtt.OnWillSent, mqtt.OnPacketProcessed:
		return true
	}
	return false
}

// OnConnectAuthenticate accepts a client with a known username, its password,
// a client id it may use and a last will it may publish.
func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	c := pk.Connect
	username := string(c.Username)
	a, known := h.accounts[username]
	// Compare digests so that neither the time taken nor an early return
	// tells a caller how long the password is, or whether the username exists.
	want := sha256.Sum256([]byte(a.Password))
	got := sha256.Sum256(c.Password)
	passwordOK := subtle.ConstantTimeCompare(want[:], got[:]) == 1

	refuse := func(reason string) bool {
		key := username
		if !known {
			key = "" // one budget for every unknown username
		}
		if log, suppressed := h.refusals.note(key); log {
			h.log.Warn("mqtt connection refused", "reason", reason, "username", short(username),
				"client", short(c.ClientIdentifier), "remote", cl.Net.Remote, "suppressed", suppressed)
		}
		return false
	}
	switch {
	case !c.UsernameFlag || username == "":
		return refuse("no username")
	case !known:
		return refuse("unknown username")
	case !c.PasswordFlag || !passwordOK:
		return refuse("wrong password")
	case a.Device != "" && c.ClientIdentifier != a.Username:
		return refuse("a device's client id must be its username")
	case a.Device == "" && h.isDevice(c.ClientIdentifier):
		return refuse("the controller may not use a device's client id")
	case c.WillFlag && !a.Allowed(c.WillTopic, true):
		return refuse("last will on a topic the account may not publish: " + c.WillTopic)
	}
	h.endPrevious(cl, a)
	h.log.Debug("mqtt client connected", "username", username, "client", c.ClientIdentifier,
		"centre", a.Centre, "device", a.Device, "remote", cl.Net.Remote)
	return true
}

// takeoverWait bounds the wait for an older connection's end.
const takeoverWait = 5 * time.Second

// endPrevious ends the connection that holds cl's client id, if any, and
// waits until mochi has finished with it. Mochi's own takeover lets the old
// connection's cleanup run alongside the new session, and when the cleanup
// loses the race it removes the new client from the server's client list:
// that connection then stays up but receives nothing. A device reconnecting
// before the broker has noticed the loss of its previous connection would
// hit this. Once the old connection is over, mochi starts a clean session or
// resumes a persistent one as usual.
func (h *hook) endPrevious(cl *mqtt.Client, a Account) {
	old, ok := h.server.Clients.Get(cl.ID)
	if !ok || old == cl || old.Net.Conn == nil {
		return
	}
	done := h.conns.done(old.Net.Conn)
	if done == nil {
		return // a persistent session without a connection
	}
	if !old.Closed() {
		if log, suppressed := h.takeovers.note(a.Username); log {
			h.log.Info("mqtt session taken over", "client", cl.ID, "username", a.Username, "centre", a.Centre,
				"device", a.Device, "remote", cl.Net.Remote, "previous_remote", old.Net.Remote, "suppressed", suppressed)
		}
		_ = h.server.DisconnectClient(old, packets.ErrSessionTakenOver)
	}
	select {
	case <-done:
	case <-time.After(takeoverWait):
		h.log.Warn("mqtt previous connection did not end", "client", cl.ID, "waited", takeoverWait)
	}
}

func (h *hook) isDevice(clientID string) bool {
	_, ok := h.devices[clientID]
	return ok
}

// OnACLCheck applies Account.Allowed to a publish (write), or to a
// subscription filter or a delivered topic (read).
func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	username := string(cl.Properties.Username)
	a, ok := h.accounts[username]
	if ok && a.Allowed(topic, write) && (h.refuse == nil || !h.refuse(username, topic, write)) {
		return true
	}
	log, suppressed := h.refusals.note(username)
	if !log {
		return false
	}
	reason := "not the account's to read"
	if write {
		reason = "not the account's to publish"
	}
	h.log.Warn("mqtt access refused", "reason", reason, "topic", short(topic),
		"username", short(username), "centre", a.Centre, "device", a.Device, "suppressed", suppressed)
	return false
}

// retainedOrder orders the broker library's writes of retained messages
// against its scans of them, which it does not: mochi v2.7.9 sets a topic
// node's retainPath under the node's lock (TopicsIndex.RetainMessage,
// topics.go:453-475) but reads it without (scanMessages, topics.go:530-575,
// by way of Messages in publishRetainedToClient, server.go:1116), so a
// wildcard subscription made while another client publishes a retained
// message or leaves a retained will is a data race. The hook holds the read
// lock while a subscription is processed and the write lock while a client's
// retained message or will is stored. It can go once the library reads
// retainPath under the node's lock.
//
// Nothing waits on another client while holding the lock. The write lock
// is released once the message is stored, before mochi fans it out: a
// delivery at QoS 1 takes the subscriber's packet id under the lock its
// connection's writes hold. A subscription holds the read lock while mochi
// writes its SUBACK and queues its retained messages, which waits at most on
// the subscriber's own connection, within its write deadline. The hooks
// called meanwhile (OnACLCheck) do not take the lock.
//
// Two writers of retained messages are left outside. Mochi's $SYS topics,
// written by its own loop (no option turns them off in v2.7.9), are never
// scanned: Allowed refuses every filter starting with '$', and scanMessages
// skips $SYS under a leading wildcard. Delayed wills, sent from the same
// loop, never happen: OnConnect clears the delay.
type retainedOrder struct {
	lock sync.RWMutex

	mu sync.Mutex
	// held is what each client holds of lock. Mochi processes a client's
	// packets, and sends its will, one at a time on the client's own
	// goroutine, so a client holds at most one.
	held map[*mqtt.Client]holding
}

// holding is a client's hold on the retained order's lock.
type holding uint8

const (
	reading holding = iota + 1 // a subscription's scan
	writing                    // a retained message or will being stored
)

func newRetainedOrder() *retainedOrder {
	return &retainedOrder{held: make(map[*mqtt.Client]holding)}
}

func (o *retainedOrder) acquire(cl *mqtt.Client, hold holding) {
	if hold == reading {
		o.lock.RLock()
	} else {
		o.lock.Lock()
	}
	o.mu.Lock()
	o.held[cl] = hold
	o.mu.Unlock()
}

// release releases cl's hold if it is hold: the hooks that release are
// also called where nothing was acquired (a retained publish refused before
// OnPublish, say).
func (o *retainedOrder) release(cl *mqtt.Client, hold holding) {
	o.mu.Lock()
	held := o.held[cl]
	if held == hold {
		delete(o.held, cl)
	}
	o.mu.Unlock()
	switch {
	case held != hold:
	case hold == reading:
		o.lock.RUnlock()
	default:
		o.lock.Unlock()
	}
}

// OnConnect clears the delay of the client's will (MQTT 5's Will Delay
// Interval): mochi sends a delayed will from its own loop, outside the
// retained order's hooks. Our devices never ask for a delay.
func (h *hook) OnConnect(cl *mqtt.Client, _ packets.Packet) error {
	cl.Properties.Will.WillDelayInterval = 0
	return nil
}

// OnSubscribe takes the read lock for the retained messages the
// subscription's filters are scanned for; OnPacketProcessed, which mochi
// calls once processSubscribe returns, releases it. A packet mochi finds
// invalid reaches neither. The inline client's subscriptions (it is off)
// never reach OnPacketProcessed.
func (h *hook) OnSubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	if !cl.Net.Inline {
		h.retained.acquire(cl, reading)
	}
	return pk
}

// OnPublish takes the write lock for a retained publish; OnRetainMessage
// releases it once the message is stored, or OnPacketProcessed if mochi
// stores nothing.
func (h *hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Retain {
		h.retained.acquire(cl, writing)
	}
	return pk, nil
}

// OnRetainMessage follows the storing of a client's retained message or
// will.
func (h *hook) OnRetainMessage(cl *mqtt.Client, _ packets.Packet, _ int64) {
	h.retained.release(cl, writing)
}

// OnWill takes the write lock for a retained will; OnRetainMessage releases
// it once the will is stored, or OnWillSent, which mochi calls right after
// it has sent a will without delay.
func (h *hook) OnWill(cl *mqtt.Client, will mqtt.Will) (mqtt.Will, error) {
	if will.Retain && cl.Properties.Will.WillDelayInterval == 0 {
		h.retained.acquire(cl, writing)
	}
	return will, nil
}

func (h *hook) OnWillSent(cl *mqtt.Client, _ packets.Packet) {
	h.retained.release(cl, writing)
}

func (h *hook) OnPacketProcessed(cl *mqtt.Client, pk packets.Packet, _ error) {
	switch {
	case pk.FixedHeader.Type == packets.Subscribe:
		h.retained.release(cl, reading)
	case pk.FixedHeader.Type == packets.Publish && pk.FixedHeader.Retain:
		h.retained.release(cl, writing)
	}
}

// maxLogged bounds a client's string in a log line.
const maxLogged = 120

// short is s cut to maxLogged bytes, for strings a client chose.
func short(s string) string {
	if len(s) <= maxLogged {
		return s
	}
	return s[:maxLogged] + "…"
}

// quietHandler passes on the broker library's records with Info and its
// per-connection warnings lowered to Debug: mochi reports every start, stop
// and dropped connection, which the hook already reports when it matters.
type quietHandler struct{ h slog.Handler }

// packetError is mochi's warning for a packet it did not process, a
// publish refused by the hook included: the hook logs the refusal.
const packetError = "error processing packet"

func quieter(r slog.Record) slog.Level {
	if r.Level < slog.LevelWarn || r.Level == slog.LevelWarn && (r.Message == "" || r.Message == packetError) {
		return slog.LevelDebug
	}
	return r.Level
}

func (q quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	// The message is not known yet: let Warn through to Handle.
	if l < slog.LevelWarn {
		l = slog.LevelDebug
	}
	return q.h.Enabled(ctx, l)
}

func (q quietHandler) Handle(ctx context.Context, r slog.Record) error {
	level := quieter(r)
	if !q.h.Enabled(ctx, level) {
		return nil
	}
	// Without the packet mochi attaches ("pk"): kilobytes a line, and a
	// payload that is no business of the log.
	out := slog.NewRecord(r.Time, level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "pk" {
			out.AddAttrs(a)
		}
		return true
	})
	return q.h.Handle(ctx, out)
}

func (q quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{q.h.WithAttrs(attrs)}
}

func (q quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{q.h.WithGroup(name)}
}
