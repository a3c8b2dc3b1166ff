package kiosk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/protocol"
)

// Errors a caller of Take branches on; the touch page words them for
// citizens.
var (
	ErrPrinterNotReady  = errors.New("printer not ready")
	ErrPrintFailed      = errors.New("ticket issued but not printed; reprint it")
	ErrUnknownService   = errors.New("service not offered at this kiosk")
	ErrNoOfflineBlock   = errors.New("controller unreachable and this kiosk has no offline block")
	ErrOfflineBlockFull = errors.New("offline block used up")
	ErrNumbering        = errors.New("the service's numbering is unknown until the controller was reached once")
	ErrRefused          = errors.New("refused by the controller")
	ErrNothingToReprint = errors.New("no ticket to reprint")
)

// Printer is the ticket printer as the kiosk uses it.
type Printer interface {
	// Print prints one ticket image; dark pixels print.
	Print(ctx context.Context, img *image.Gray) error
	// State queries the printer between jobs: one of protocol.PrinterOK,
	// PrinterPaperLow, PrinterPaperOut, PrinterCover, PrinterOffline,
	// PrinterError.
	State(ctx context.Context) string
}

// Renderer lays out a ticket as an image.
type Renderer interface {
	Render(t protocol.Ticket, serviceName string, reprint bool) (*image.Gray, error)
}

// Block is the kiosk's range of running numbers for offline use, as in the
// centre's configuration.
type Block struct{ From, To int }

// Options configures a Kiosk.
type Options struct {
	Link     *link.Link
	Centre   string
	Device   string
	Printer  Printer
	Renderer Renderer
	// StateDir keeps the offline journal and the last known services.
	StateDir string
	// Offline is this kiosk's offline block; nil means no offline issuing.
	Offline *Block
	// Services are the services offered, in screen order.
	Services []string
	// Location is the centre's time zone, for the day of offline numbers.
	Location *time.Location
	// ReplyTimeout is how long a citizen waits for the controller before
	// the kiosk numbers the ticket itself; default 4s.
	ReplyTimeout time.Duration
	// StatusEvery is how often the printer is asked for its state between
	// jobs; default 10s.
	StatusEvery time.Duration
	Clock       func() time.Time
	Logger      *slog.Logger
}

// Kiosk issues and prints tickets.
type Kiosk struct {
	opts    Options
	log     *slog.Logger
	journal *journal
	started time.Time

	job sync.Mutex // one ticket or status query at a time

	mu         sync.Mutex // guards what follows
	services   map[string]protocol.ServiceState
	controller bool   // the controller's retained status says online
	printer    string // last printer state
	lastErr    string
	last       *Issued

	handovers chan protocol.Request // offline tickets for Run to hand over
	changed   chan struct{}         // health changed: publish presence
}

// Issued is a ticket the kiosk gave out.
type Issued struct {
	Ticket  protocol.Ticket `json:"ticket"`
	Name    string          `json:"name"` // service name in the ticket's language
	Offline bool            `json:"offline"`
	Printed bool            `json:"printed"`
}

// New returns a kiosk. Run must be running for it to issue tickets.
func New(opts Options) (*Kiosk, error) {
	if opts.Link == nil || opts.Printer == nil || opts.Renderer == nil {
		return nil, errors.New("kiosk.New: Link, Printer and Renderer are required")
	}
	if len(opts.Services) == 0 {
		return nil, errors.New("kiosk.New: no services offered")
	}
	if opts.ReplyTimeout == 0 {
		opts.ReplyTimeout = 4 * time.Second
	}
	if opts.StatusEvery == 0 {
		opts.StatusEvery = 10 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.FixedZone("ICT", 7*60*60)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(opts.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("kiosk state folder: %w", err)
	}
	j, err := openJournal(opts.StateDir)
	if err != nil {
		return nil, err
	}
	k := &Kiosk{opts: opts, log: opts.Logger.With("device", opts.Device), journal: j,
		started: opts.Clock(), services: map[string]protocol.ServiceState{},
		printer: protocol.PrinterOffline, changed: make(chan struct{}, 1),
		handovers: make(chan protocol.Request, 64)}
	k.loadServices()
	// One subscription to the whole state tree: with the embedded broker, a
	// client subscribed to state/service/+ before state/controller was
	// seen to receive nothing on the latter.
	opts.Link.Subscribe(protocol.AllState(opts.Centre), k.onState)
	return k, nil
}

// Run queries the printer between jobs, re-sends offline tickets not yet
// filed, and publishes the kiosk's health when it changes, until ctx ends.
func (k *Kiosk) Run(ctx context.Context) error {
	var handovers sync.WaitGroup
	defer handovers.Wait()
	for _, req := range k.journal.pending() {
		handovers.Go(func() { k.handOver(ctx, req) })
	}
	k.checkPrinter(ctx)
	tick := time.NewTicker(k.opts.StatusEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case req := <-k.handovers:
			handovers.Go(func() { k.handOver(ctx, req) })
		case <-tick.C:
			k.checkPrinter(ctx)
		case <-k.changed:
			k.opts.Link.PublishPresence()
		}
	}
}

// checkPrinter asks the printer for its state between jobs.
func (k *Kiosk) checkPrinter(ctx context.Context) {
	k.job.Lock()
	defer k.job.Unlock()
	k.setPrinter(k.opts.Printer.State(ctx))
}

func (k *Kiosk) setPrinter(state string) {
	k.mu.Lock()
	old := k.printer
	k.printer = state
	k.mu.Unlock()
	if old != state {
		k.log.Info("printer state", "from", old, "to", state)
		k.notify()
	}
}

func (k *Kiosk) setError(err error) {
	k.mu.Lock()
	k.lastErr = err.Error()
	k.mu.Unlock()
	k.notify()
}

func (k *Kiosk) notify() {
	select {
	case k.changed <- struct{}{}:
	default:
	}
}

// Health is the kiosk's health for its presence.
func (k *Kiosk) Health() protocol.Health {
	k.mu.Lock()
	defer k.mu.Unlock()
	h := protocol.Health{Status: protocol.HealthOK, Printer: k.printer, LastError: k.lastErr,
		UptimeSeconds: int64(k.opts.Clock().Sub(k.started) / time.Second)}
	switch k.printer {
	case protocol.PrinterOK:
	case protocol.PrinterPaperLow:
		h.Status = protocol.HealthDegraded
	default:
		h.Status = protocol.HealthFault
	}
	return h
}

func ready(printer string) bool {
	return printer == protocol.PrinterOK || printer == protocol.PrinterPaperLow
}

// Take issues a ticket of service and prints it: from the controller when
// it answers in time, from the offline block otherwise.
func (k *Kiosk) Take(ctx context.Context, service string, p protocol.Priority, lang string) (Issued, error) {
	if !slices.Contains(k.opts.Services, service) {
		return Issued{}, fmt.Errorf("%w: %q", ErrUnknownService, service)
	}
	if lang == "" {
		lang = "vi"
	}
	k.job.Lock()
	defer k.job.Unlock()
	k.mu.Lock()
	printer, online := k.printer, k.controller && k.opts.Link.Connected()
	k.mu.Unlock()
	if !ready(printer) {
		// The printer may be back: ask before refusing.
		k.setPrinter(k.opts.Printer.State(ctx))
		k.mu.Lock()
		printer = k.printer
		k.mu.Unlock()
		if !ready(printer) {
			return Issued{}, fmt.Errorf("%w: %s", ErrPrinterNotReady, printer)
		}
	}

	var is Issued
	replaces := ""
	if online {
		key := k.newKey("t")
		wait, cancel := context.WithTimeout(ctx, k.opts.ReplyTimeout)
		r, err := k.opts.Link.Request(wait, protocol.Request{Key: key, Op: protocol.OpTicket, Service: service, Priority: p, Lang: lang})
		cancel()
		switch {
		case err == nil && r.OK:
			is.Ticket = *r.Ticket
		case err == nil:
			return Issued{}, fmt.Errorf("%w: %w", ErrRefused, r.Error)
		case ctx.Err() != nil:
			return Issued{}, ctx.Err()
		default:
			k.log.Warn("controller did not answer in time; numbering offline", "key", key)
			replaces = key
			online = false
		}
	}
	if !online {
		t, err := k.issueOffline(service, p, lang, replaces)
		if err != nil {
			k.setError(err)
			return Issued{}, err
		}
		is.Ticket, is.Offline = t, true
	}
	is.Name = k.serviceName(service, lang)
	err := k.print(ctx, &is, false)
	k.mu.Lock()
	k.last = &is
	k.mu.Unlock()
	return is, err
}

// Reprint prints the last ticket again, marked as a reprint.
func (k *Kiosk) Reprint(ctx context.Context) (Issued, error) {
	k.job.Lock()
	defer k.job.Unlock()
	k.mu.Lock()
	last := k.last
	k.mu.Unlock()
	if last == nil {
		return Issued{}, ErrNothingToReprint
	}
	is := *last
	err := k.print(ctx, &is, true)
	k.mu.Lock()
	k.last.Printed = k.last.Printed || is.Printed
	k.mu.Unlock()
	return is, err
}

func (k *Kiosk) print(ctx context.Context, is *Issued, reprint bool) error {
	img, err := k.opts.Renderer.Render(is.Ticket, is.Name, reprint)
	if err != nil {
		k.setError(err)
		return fmt.Errorf("%w: render %s: %w", ErrPrintFailed, is.Ticket.Number, err)
	}
	if err := k.opts.Printer.Print(ctx, img); err != nil {
		k.setError(err)
		k.setPrinter(k.opts.Printer.State(ctx))
		k.log.Error("print failed", "ticket", is.Ticket.Number, "err", err)
		return fmt.Errorf("%w: %s: %w", ErrPrintFailed, is.Ticket.Number, err)
	}
	is.Printed = true
	k.setPrinter(k.opts.Printer.State(ctx))
	k.log.Info("ticket printed", "ticket", is.Ticket.Number, "offline", is.Offline, "reprint", reprint)
	return nil
}

// issueOffline numbers a ticket from the offline block, records it in the
// journal and hands it over to the controller in the background.
func (k *Kiosk) issueOffline(service string, p protocol.Priority, lang, replaces string) (protocol.Ticket, error) {
	if k.opts.Offline == nil {
		return protocol.Ticket{}, ErrNoOfflineBlock
	}
	k.mu.Lock()
	s, known := k.services[service]
	k.mu.Unlock()
	if !known || s.Width == 0 {
		return protocol.Ticket{}, fmt.Errorf("%w: %s", ErrNumbering, service)
	}
	now := k.opts.Clock().In(k.opts.Location)
	day := now.Format(time.DateOnly)
	n, err := k.journal.take(day, service, *k.opts.Offline)
	if err != nil {
		return protocol.Ticket{}, err
	}
	t := protocol.Ticket{Number: fmt.Sprintf("%s%0*d", s.Prefix, s.Width, n), Service: service,
		Priority: p, Lang: lang, Ahead: s.Waiting, WaitSeconds: s.WaitSeconds, Issued: now, Day: day}
	req := protocol.Request{Key: "off-" + day + "-" + t.Number, Op: protocol.OpOfflineTicket, Service: service,
		Priority: p, Lang: lang, Ticket: t.Number, Issued: now, Replaces: replaces}
	if err := k.journal.add(req); err != nil {
		return protocol.Ticket{}, err
	}
	select {
	case k.handovers <- req:
	default: // Run is busy or stopped; it hands the journal over when it starts
	}
	return t, nil
}

// handOver sends an offline ticket to the controller until it answers; the
// link's outbox keeps it across restarts too.
func (k *Kiosk) handOver(ctx context.Context, req protocol.Request) {
	r, err := k.opts.Link.Request(ctx, req)
	if err != nil {
		return // stopping; the journal and the outbox still hold it
	}
	if !r.OK {
		k.log.Error("offline ticket refused by the controller", "ticket", req.Ticket, "err", r.Error)
		k.setError(fmt.Errorf("offline ticket %s refused: %w", req.Ticket, r.Error))
	}
	k.job.Lock() // the journal is written under the job lock
	defer k.job.Unlock()
	if err := k.journal.done(req.Key); err != nil {
		k.setError(err)
	}
}

func (k *Kiosk) newKey(kind string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return k.opts.Device + "-" + kind + "-" + hex.EncodeToString(b)
}

func (k *Kiosk) serviceName(service, lang string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	names := k.services[service].Names
	if n := names[lang]; n != "" {
		return n
	}
	if n := names["vi"]; n != "" {
		return n
	}
	return service
}

func (k *Kiosk) onState(topic string, payload []byte) {
	t, err := protocol.ParseTopic(topic)
	if err != nil || len(payload) == 0 {
		return
	}
	switch t.Kind {
	case protocol.KindService:
		k.onService(topic, payload)
	case protocol.KindController:
		k.onController(payload)
	}
}

func (k *Kiosk) onService(topic string, payload []byte) {
	s, err := protocol.Decode[protocol.ServiceState](payload)
	if err != nil {
		k.log.Warn("bad service state", "topic", topic, "err", err)
		return
	}
	k.mu.Lock()
	old := k.services[s.Service]
	k.services[s.Service] = s
	k.mu.Unlock()
	if old.Prefix != s.Prefix || old.Width != s.Width || !equalNames(old.Names, s.Names) {
		k.saveServices()
	}
}

func equalNames(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (k *Kiosk) onController(payload []byte) {
	s, err := protocol.Decode[protocol.ControllerState](payload)
	if err != nil {
		k.log.Warn("bad controller state", "err", err)
		return
	}
	k.mu.Lock()
	k.controller = s.Online
	k.mu.Unlock()
}

// services.json keeps what the kiosk knows of the services (names, prefix,
// width) so that it can number offline after a restart without the
// controller.
func (k *Kiosk) saveServices() {
	k.mu.Lock()
	b, err := json.Marshal(k.services)
	k.mu.Unlock()
	if err == nil {
		err = writeFileSync(filepath.Join(k.opts.StateDir, "services.json"), b)
	}
	if err != nil {
		k.log.Warn("save services", "err", err)
	}
}

func (k *Kiosk) loadServices() {
	b, err := os.ReadFile(filepath.Join(k.opts.StateDir, "services.json"))
	if err != nil {
		return
	}
	var s map[string]protocol.ServiceState
	if json.Unmarshal(b, &s) == nil {
		k.services = s
	}
}

// State is what the touch page shows.
type State struct {
	Services []ServiceView `json:"services"`
	Printer  string        `json:"printer"`
	Ready    bool          `json:"ready"`
	Online   bool          `json:"online"`
	Last     *Issued       `json:"last,omitempty"`
}

// ServiceView is one service on the touch page.
type ServiceView struct {
	ID          string            `json:"id"`
	Names       map[string]string `json:"names"`
	Waiting     int               `json:"waiting"`
	WaitSeconds int               `json:"wait_s"`
}

// State returns the kiosk's state for the touch page.
func (k *Kiosk) State() State {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := State{Printer: k.printer, Ready: ready(k.printer), Online: k.controller && k.opts.Link.Connected(), Last: k.last}
	for _, id := range k.opts.Services {
		s := k.services[id]
		names := s.Names
		if len(names) == 0 {
			names = map[string]string{"vi": id}
		}
		st.Services = append(st.Services, ServiceView{ID: id, Names: names, Waiting: s.Waiting, WaitSeconds: s.WaitSeconds})
	}
	return st
}
