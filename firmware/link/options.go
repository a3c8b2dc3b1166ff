package link

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/protocol"
)

// Sentinel errors callers branch on.
var (
	// ErrOptions: New was given options it cannot work with; the message
	// names the field.
	ErrOptions = errors.New("link: bad options")
	// ErrRunning: Run was called while another Run of the same Link runs.
	ErrRunning = errors.New("link: already running")
	// ErrKeyInUse: a request reused the key of a different pending request.
	ErrKeyInUse = errors.New("link: key in use by another pending request")
	// ErrOutbox: the request could not be stored durably, so it was not
	// sent. The device's storage needs attention (full or failing SD card).
	ErrOutbox = errors.New("link: cannot store the request")
)

// Defaults and limits.
const (
	DefaultResendAfter = 2 * time.Second

	minBackoff = 500 * time.Millisecond
	maxBackoff = 5 * time.Second
	// stableAfter is how long a connection must last for the next
	// reconnection to start again from minBackoff.
	stableAfter = maxBackoff

	connectTimeout = 5 * time.Second
	keepAlive      = 15 * time.Second
	pingTimeout    = 5 * time.Second
	writeTimeout   = 5 * time.Second
	// goodbyeTimeout bounds the wait for the offline presence on Run's exit.
	goodbyeTimeout = 2 * time.Second
	// disconnectQuiesce is paho's wait, in milliseconds, for the DISCONNECT.
	disconnectQuiesce = 250

	// queueLimit bounds the messages waiting for a handler, and the replies
	// and presence messages waiting for the link.
	queueLimit = 256
)

// Options configure a Link.
type Options struct {
	// Broker is the MQTT broker's URL, "tcp://127.0.0.1:1883".
	Broker string
	// Centre and Device are the ids in the topic tree. Device is also the
	// MQTT client id.
	Centre, Device string
	// Kind is the class of device, reported in its presence.
	Kind protocol.DeviceKind
	// Username defaults to Device.
	Username, Password string
	// Firmware is the device program's version, reported in its presence.
	Firmware string
	// StateDir holds the durable outbox of pending requests and the
	// connection sequence; it must survive restarts and belong to this Link
	// alone. It is created if missing.
	StateDir string
	// Clock schedules resends and reconnections; nil is the real clock.
	Clock clock.Clock
	// Logger receives the link's logs; nil is slog.Default().
	Logger *slog.Logger
	// ResendAfter is how long a request waits for its reply before it is
	// published again; 0 is DefaultResendAfter.
	ResendAfter time.Duration
	// Health, if set, is reported in every birth. Call PublishPresence when
	// what it returns changes.
	Health func() protocol.Health
	// OnReply, if set, receives the replies whose caller stopped waiting
	// (its context ended, or the program restarted). It runs on the link's
	// reply goroutine: replies wait while it runs. A reply may be passed
	// twice if the program stops right after; the key tells them apart.
	OnReply func(protocol.Request, protocol.Reply)
	// OnConnection, if set, is told when the link comes up (connected,
	// subscribed, birth published) and when it goes down, so that the
	// device can show "controller unreachable". It runs on Run's goroutine
	// and must return quickly.
	OnConnection func(up bool)
}

// check validates o and fills in its defaults.
func (o *Options) check() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrOptions, field, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(o.Broker)
	switch {
	case o.Broker == "":
		return bad("Broker", "missing: give the broker's URL, like tcp://127.0.0.1:1883")
	case err != nil:
		return bad("Broker", "%v", err)
	case u.Host == "" || !validScheme(u.Scheme):
		return bad("Broker", "%q: give a URL like tcp://127.0.0.1:1883 (schemes tcp, mqtt, ssl, tls, mqtts, ws, wss)", o.Broker)
	}
	if err := protocol.CheckID("centre", o.Centre); err != nil {
		return bad("Centre", "%v", err)
	}
	if err := protocol.CheckID("device", o.Device); err != nil {
		return bad("Device", "%v", err)
	}
	p := protocol.Presence{Device: o.Device, Kind: o.Kind}
	if err := p.Validate(); err != nil {
		return bad("Kind", "%q: use %q, %q or %q", o.Kind, protocol.DeviceKiosk, protocol.DeviceCounter, protocol.DeviceBoard)
	}
	if o.StateDir == "" {
		return bad("StateDir", "missing: the outbox and connection sequence must survive restarts")
	}
	if o.ResendAfter < 0 {
		return bad("ResendAfter", "negative (%s)", o.ResendAfter)
	}
	if o.ResendAfter == 0 {
		o.ResendAfter = DefaultResendAfter
	}
	if o.Username == "" {
		o.Username = o.Device
	}
	o.Clock = clock.Or(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

func validScheme(s string) bool {
	switch s {
	case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		return true
	}
	return false
}
