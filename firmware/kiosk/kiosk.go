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
	"github.com/sothutu/sothutu/internal/clock"
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
	// Print prints one ticket image; dark pixels print. It returns nil only
	// once the whole ticket printed: any error means it may not have.
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

// DefaultHoldFor is the controller's default hold time (rules.hold_for).
const DefaultHoldFor = 10 * time.Minute

// Options configures a Kiosk.
type Options struct {
	Link     *link.Link
	Centre   string
	Device   string
	Printer  Printer
	Renderer Renderer
	// StateDir keeps the journal and the last known services.
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
	// HoldFor is how long a ticket not printed is kept for a reprint
	// before the kiosk gives it up (void for the controller); default
	// DefaultHoldFor, the controller's own default, after which it voids
	// the ticket itself.
	HoldFor time.Duration
	// Clock dates the tickets and times the holds and the uptime; nil is
	// the real clock.
	Clock  clock.Clock
	Logger *slog.Logger
}

// Kiosk issues and prints tickets.
type Kiosk struct {
	opts    Options
	log     *slog.Logger
	journal *journal
	started time.Time

	job sync.Mutex // one ticket, reprint or status query at a time

	mu         sync.Mutex // guards what follows
	services   map[string]protocol.ServiceState
	controller bool   // the controller's retained status says online
	printer    string // last printer state
	lastErr    string
	// printFault: lastErr is a print failure, cleared once the printer is
	// back and no ticket waits for a reprint.
	printFault bool
	last       *Issued
	lastKey    string          // journal key of last, while it is on its way
	auto       map[string]bool // unprinted tickets reprinted by themselves once the printer is back

	confirms chan string   // journal keys for Run to confirm to the controller
	changed  chan struct{} // health changed: publish presence
}

// Issued is a ticket the kiosk gave out.
type Issued struct {
	Ticket  protocol.Ticket `json:"ticket"`
	Name    string          `json:"name"` // service name in the ticket's language
	Offline bool            `json:"offline"`
	// Printed: the printer took the whole ticket. A ticket not printed is
	// kept for a reprint and is not called until it is printed.
	Printed bool `json:"printed"`
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
	if opts.HoldFor == 0 {
		opts.HoldFor = DefaultHoldFor
	}
	opts.Clock = clock.Or(opts.Clock)
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
		started: opts.Clock.Now(), services: map[string]protocol.ServiceState{},
		printer: protocol.PrinterOffline, changed: make(chan struct{}, 1),
		auto: map[string]bool{}, confirms: make(chan string, 64)}
	k.loadServices()
	// One subscription to the whole state tree: with the embedded broker, a
	// client subscribed to state/service/+ before state/controller was
	// seen to receive nothing on the latter.
	opts.Link.Subscribe(protocol.AllState(opts.Centre), k.onState)
	return k, nil
}

// Run first finishes every ticket the journal holds from before (see the
// package's failure behaviour), then queries the printer between jobs,
// reprints a ticket cut short once the printer is back, confirms printed
// tickets to the controller, and publishes the kiosk's health when it
// changes, until ctx ends.
func (k *Kiosk) Run(ctx context.Context) error {
	var work sync.WaitGroup
	defer work.Wait()
	for _, e := range k.journal.entries() {
		switch {
		case e.Printed || e.Void != "":
			work.Go(func() { k.confirm(ctx, e.Key) })
		case e.Ticket == nil:
			work.Go(func() { k.resume(ctx, e) })
		default:
			work.Go(func() { k.finish(ctx, e.Key) })
		}
	}
	// The printer is polled on its own: a printer that answers late must
	// not hold back the health it makes worse.
	work.Go(func() {
		k.checkPrinter(ctx)
		tick := time.NewTicker(k.opts.StatusEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				k.checkPrinter(ctx)
			}
		}
	})
	for {
		select {
		case <-ctx.Done():
			return nil
		case key := <-k.confirms:
			work.Go(func() { k.confirm(ctx, key) })
		case <-k.changed:
			k.opts.Link.PublishPresence()
		}
	}
}

// checkPrinter asks the printer for its state between jobs. When it is
// ready, a ticket whose print failed is reprinted by itself, once; a
// ticket held longer than HoldFor is given up.
func (k *Kiosk) checkPrinter(ctx context.Context) {
	k.job.Lock()
	defer k.job.Unlock()
	state := k.opts.Printer.State(ctx)
	k.setPrinter(state)
	for _, e := range k.journal.unprinted() {
		if k.opts.Clock.Now().Sub(e.Started) > k.opts.HoldFor {
			k.giveUp(e, fmt.Sprintf("not printed within %s", k.opts.HoldFor))
			continue
		}
		if !ready(state) || ctx.Err() != nil {
			continue
		}
		k.mu.Lock()
		again := k.auto[e.Key]
		delete(k.auto, e.Key)
		k.mu.Unlock()
		if !again {
			continue
		}
		k.log.Info("printer back: reprinting a ticket not printed", "ticket", e.Ticket.Number)
		if _, err := k.printEntry(ctx, e, true, false, ""); err != nil {
			k.log.Error("reprint after the printer came back failed; the ticket waits for a reprint from the touch page",
				"ticket", e.Ticket.Number, "err", err)
		}
		state = k.currentPrinter()
	}
	k.clearPrintFault()
}

// clearPrintFault clears a print failure from the health once the printer
// is ready and no ticket waits for a reprint.
func (k *Kiosk) clearPrintFault() {
	held := len(k.journal.unprinted())
	k.mu.Lock()
	clear := k.printFault && held == 0 && ready(k.printer)
	if clear {
		k.lastErr, k.printFault = "", false
	}
	k.mu.Unlock()
	if clear {
		k.notify()
	}
}

func (k *Kiosk) currentPrinter() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.printer
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

// setError reports err in the health; printing tells whether it is a print
// failure, which recovery clears.
func (k *Kiosk) setError(err error, printing bool) {
	k.mu.Lock()
	k.lastErr, k.printFault = err.Error(), printing
	k.mu.Unlock()
	k.notify()
}

func (k *Kiosk) notify() {
	select {
	case k.changed <- struct{}{}:
	default:
	}
}

// Health is the kiosk's health for its presence: fault while the printer
// cannot print or a ticket waits for a reprint.
func (k *Kiosk) Health() protocol.Health {
	held := len(k.journal.unprinted())
	k.mu.Lock()
	defer k.mu.Unlock()
	h := protocol.Health{Status: protocol.HealthOK, Printer: k.printer, LastError: k.lastErr,
		UptimeSeconds: int64(k.opts.Clock.Now().Sub(k.started) / time.Second)}
	switch k.printer {
	case protocol.PrinterOK:
	case protocol.PrinterPaperLow:
		h.Status = protocol.HealthDegraded
	default:
		h.Status = protocol.HealthFault
	}
	if held > 0 {
		h.Status = protocol.HealthFault
	}
	return h
}

func ready(printer string) bool {
	return printer == protocol.PrinterOK || printer == protocol.PrinterPaperLow
}

// Take issues a ticket of service and prints it: from the controller when
// it answers in time, from the offline block otherwise. The printer is
// asked first, afresh: a printer that cannot print gets no number.
func (k *Kiosk) Take(ctx context.Context, service string, p protocol.Priority, lang string) (Issued, error) {
	if !slices.Contains(k.opts.Services, service) {
		return Issued{}, fmt.Errorf("%w: %q", ErrUnknownService, service)
	}
	if lang == "" {
		lang = "vi"
	}
	k.job.Lock()
	defer k.job.Unlock()
	printer := k.opts.Printer.State(ctx)
	k.setPrinter(printer)
	if !ready(printer) {
		return Issued{}, fmt.Errorf("%w: %s", ErrPrinterNotReady, printer)
	}
	k.mu.Lock()
	online := k.controller && k.opts.Link.Connected()
	k.mu.Unlock()

	e := entry{Service: service, Priority: p, Lang: lang, Started: k.opts.Clock.Now()}
	replaces := ""
	if online {
		e.Key = k.newKey("t")
		if err := k.journal.put(e, ""); err != nil {
			k.setError(err, false)
			return Issued{}, err
		}
		wait, cancel := context.WithTimeout(ctx, k.opts.ReplyTimeout)
		r, err := k.opts.Link.Request(wait, ticketRequest(e))
		cancel()
		switch {
		case err == nil && r.OK && r.Ticket == nil:
			k.forget(e.Key)
			return Issued{}, fmt.Errorf("%w: a reply without its ticket", ErrRefused)
		case err == nil && r.OK:
			e.Ticket = r.Ticket
		case err == nil:
			k.forget(e.Key)
			return Issued{}, fmt.Errorf("%w: %w", ErrRefused, r.Error)
		case ctx.Err() != nil:
			// The journal keeps the request: the next start asks again
			// and finishes it.
			return Issued{}, ctx.Err()
		default:
			k.log.Warn("controller did not answer in time; numbering offline", "key", e.Key)
			replaces = e.Key
			online = false
		}
	}
	if !online {
		t, err := k.numberOffline(service, p, lang)
		if err != nil {
			k.forget(replaces)
			k.setError(err, false)
			return Issued{}, err
		}
		e.Key, e.Ticket, e.Offline, e.Replaces = "off-"+t.Day+"-"+t.Number, &t, true, replaces
	}
	e.Name = k.serviceName(service, lang)
	k.mu.Lock()
	k.lastKey = e.Key
	k.mu.Unlock()
	return k.printEntry(ctx, e, false, true, replaces)
}

// forget drops a request the controller refused, or one given up for an
// offline number that could not be had.
func (k *Kiosk) forget(key string) {
	if key == "" {
		return
	}
	if err := k.journal.remove(key); err != nil {
		k.setError(err, false)
	}
}

func ticketRequest(e entry) protocol.Request {
	return protocol.Request{Key: e.Key, Op: protocol.OpTicket, Service: e.Service, Priority: e.Priority, Lang: e.Lang, Hold: true}
}

// Reprint prints again, marked as a reprint, the last ticket if it was not
// printed, else the newest ticket not printed, else the last ticket.
func (k *Kiosk) Reprint(ctx context.Context) (Issued, error) {
	k.job.Lock()
	defer k.job.Unlock()
	k.mu.Lock()
	last, lastKey := k.last, k.lastKey
	k.mu.Unlock()
	held := k.journal.unprinted()
	var e entry
	found := false
	for _, x := range held {
		if x.Key == lastKey || !found {
			e, found = x, true
		}
		if x.Key == lastKey {
			break
		}
	}
	if !found && last == nil {
		return Issued{}, ErrNothingToReprint
	}
	printer := k.opts.Printer.State(ctx)
	k.setPrinter(printer)
	if !ready(printer) {
		is := Issued{}
		if found {
			is = e.issued()
		} else {
			is = *last
		}
		return is, fmt.Errorf("%w: %s", ErrPrinterNotReady, printer)
	}
	if found {
		k.mu.Lock()
		delete(k.auto, e.Key) // the citizen has it now
		k.mu.Unlock()
		return k.printEntry(ctx, e, true, false, "")
	}
	// A copy of a ticket printed already: nothing to confirm.
	is := *last
	img, err := k.opts.Renderer.Render(is.Ticket, is.Name, true)
	if err == nil {
		err = k.opts.Printer.Print(ctx, img)
	}
	k.setPrinter(k.opts.Printer.State(ctx))
	if err != nil {
		k.log.Error("reprint failed", "ticket", is.Ticket.Number, "err", err)
		return is, fmt.Errorf("%w: %s: %w", ErrPrintFailed, is.Ticket.Number, err)
	}
	k.log.Info("ticket printed", "ticket", is.Ticket.Number, "offline", is.Offline, "reprint", true)
	return is, nil
}

// printEntry records a print attempt of e's ticket, prints it, and once
// the printer took it whole records it printed and has Run confirm it.
// drop names a journal entry the same write removes (the request given up
// for an offline number). A failed print keeps e for a reprint; arm has
// it reprinted by itself once the printer is back.
func (k *Kiosk) printEntry(ctx context.Context, e entry, reprint, arm bool, drop string) (Issued, error) {
	e.Tries++
	if err := k.journal.put(e, drop); err != nil {
		// Without the journal a crash could leave a held ticket nobody
		// knows of: do not print what cannot be recorded.
		k.setError(err, true)
		k.held(e, arm)
		return e.issued(), fmt.Errorf("%w: %s: %w", ErrPrintFailed, e.Ticket.Number, err)
	}
	k.held(e, arm)
	img, err := k.opts.Renderer.Render(*e.Ticket, e.Name, reprint)
	if err == nil {
		err = k.opts.Printer.Print(ctx, img)
	}
	if err != nil {
		k.setError(fmt.Errorf("ticket %s not printed: %w", e.Ticket.Number, err), true)
		k.setPrinter(k.opts.Printer.State(ctx))
		k.log.Error("print failed; the ticket is kept for a reprint", "ticket", e.Ticket.Number, "offline", e.Offline, "err", err)
		return e.issued(), fmt.Errorf("%w: %s: %w", ErrPrintFailed, e.Ticket.Number, err)
	}
	e.Printed = true
	if err := k.journal.put(e, ""); err != nil {
		k.setError(err, false) // printed all the same: confirm it now
	}
	k.mu.Lock()
	delete(k.auto, e.Key)
	is := e.issued()
	if k.lastKey == e.Key || k.last == nil || k.last.Ticket.Number == is.Ticket.Number {
		k.last = &is
	}
	k.mu.Unlock()
	k.log.Info("ticket printed", "ticket", e.Ticket.Number, "offline", e.Offline, "reprint", reprint)
	select {
	case k.confirms <- e.Key:
	default: // Run is busy or stopped: the next start confirms it from the journal
	}
	k.setPrinter(k.opts.Printer.State(ctx))
	k.clearPrintFault()
	return is, nil
}

// held makes e the last ticket while it is not printed, and arms its
// reprint by itself.
func (k *Kiosk) held(e entry, arm bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if arm {
		k.auto[e.Key] = true
	}
	if k.lastKey == e.Key {
		is := e.issued()
		k.last = &is
	}
}

// giveUp ends a ticket that will not be printed: an online one is voided
// at the controller, an offline one is never handed over. Either is
// reported.
func (k *Kiosk) giveUp(e entry, why string) {
	k.mu.Lock()
	delete(k.auto, e.Key)
	k.mu.Unlock()
	if e.Offline {
		k.log.Error("offline ticket given up: not handed over", "ticket", e.Ticket.Number, "why", why)
		k.setError(fmt.Errorf("offline ticket %s never printed (%s): not handed over", e.Ticket.Number, why), false)
		if err := k.journal.remove(e.Key); err != nil {
			k.setError(err, false)
		}
		return
	}
	k.log.Error("ticket given up: voided at the controller", "ticket", e.Ticket.Number, "why", why)
	k.setError(fmt.Errorf("ticket %s never printed (%s): voided", e.Ticket.Number, why), false)
	e.Void = why
	if err := k.journal.put(e, ""); err != nil {
		k.setError(err, false)
	}
	select {
	case k.confirms <- e.Key:
	default:
	}
}

// resume finishes a request the kiosk sent before it stopped, not knowing
// its ticket: the same request, with the same key, gets the same ticket
// from the controller, which is then printed.
func (k *Kiosk) resume(ctx context.Context, e entry) {
	r, err := k.opts.Link.Request(ctx, ticketRequest(e))
	if err != nil {
		if ctx.Err() == nil {
			k.log.Error("cannot ask again for a ticket requested before a restart", "key", e.Key, "err", err)
			k.setError(err, false)
		}
		return
	}
	if !r.OK || r.Ticket == nil {
		k.log.Warn("a ticket requested before a restart was refused", "key", e.Key, "err", r.Error)
		k.forget(e.Key)
		return
	}
	e.Ticket = r.Ticket
	e.Name = k.serviceName(e.Service, e.Lang)
	if err := k.journal.put(e, ""); err != nil {
		k.setError(err, false)
		return
	}
	k.finish(ctx, e.Key)
}

// finish prints a ticket not printed before a restart if the printer is
// ready and the ticket young enough for its citizen to wait for it, and
// gives it up otherwise.
func (k *Kiosk) finish(ctx context.Context, key string) {
	k.job.Lock()
	defer k.job.Unlock()
	e, ok := k.journal.get(key)
	if !ok || e.Printed || e.Ticket == nil || ctx.Err() != nil {
		return
	}
	if age := k.opts.Clock.Now().Sub(e.Started); age > k.opts.HoldFor {
		k.giveUp(e, fmt.Sprintf("not printed before a restart, %s ago", age.Round(time.Second)))
		return
	}
	printer := k.opts.Printer.State(ctx)
	k.setPrinter(printer)
	if !ready(printer) {
		k.giveUp(e, "not printed before a restart; printer "+printer)
		return
	}
	k.mu.Lock()
	k.lastKey = e.Key
	k.mu.Unlock()
	if _, err := k.printEntry(ctx, e, e.Tries > 0, false, ""); err != nil && ctx.Err() == nil {
		if e, ok := k.journal.get(key); ok && !e.Printed {
			k.giveUp(e, "not printed before a restart; reprint failed: "+err.Error())
		}
	}
}

// confirm tells the controller what became of a journal entry (printed,
// voided, or an offline ticket printed) and removes the entry once the
// controller acknowledged it. The link's outbox re-sends it across
// restarts; the journal asks again after one.
func (k *Kiosk) confirm(ctx context.Context, key string) {
	e, ok := k.journal.get(key)
	if !ok || e.Ticket == nil {
		return
	}
	var req protocol.Request
	switch {
	case e.Void != "":
		reason := e.Void
		if len(reason) > 200 {
			reason = reason[:200]
		}
		req = protocol.Request{Key: confirmKey(e.Key, "void"), Op: protocol.OpVoid, Ticket: e.Ticket.Number, Reason: reason}
	case !e.Printed:
		return
	case e.Offline:
		req = protocol.Request{Key: e.Key, Op: protocol.OpOfflineTicket, Service: e.Service, Priority: e.Priority,
			Lang: e.Lang, Ticket: e.Ticket.Number, Issued: e.Ticket.Issued, Replaces: e.Replaces}
	default:
		req = protocol.Request{Key: confirmKey(e.Key, "printed"), Op: protocol.OpPrinted, Ticket: e.Ticket.Number}
	}
	r, err := k.opts.Link.Request(ctx, req)
	switch {
	case ctx.Err() != nil:
		return // stopping: the journal and the outbox still hold it
	case errors.Is(err, link.ErrOutbox):
		k.log.Error("cannot store a confirmation; sent after the next start", "ticket", e.Ticket.Number, "op", req.Op, "err", err)
		k.setError(err, false)
		return
	case err != nil:
		k.log.Error("confirmation cannot be sent", "ticket", e.Ticket.Number, "op", req.Op, "err", err)
		k.setError(fmt.Errorf("%s of ticket %s: %w", req.Op, e.Ticket.Number, err), false)
	case !r.OK:
		k.log.Error("confirmation refused by the controller", "ticket", e.Ticket.Number, "op", req.Op, "err", r.Error)
		k.setError(fmt.Errorf("%s of ticket %s refused: %w", req.Op, e.Ticket.Number, r.Error), false)
	default:
		k.log.Debug("confirmed", "ticket", e.Ticket.Number, "op", req.Op)
	}
	if err := k.journal.remove(key); err != nil {
		k.setError(err, false)
	}
	k.mu.Lock()
	if k.lastKey == key {
		k.lastKey = ""
	}
	k.mu.Unlock()
}

// confirmKey is the key of a confirmation: derived from the ticket
// request's, so that a confirmation sent again after a restart is the
// same request.
func confirmKey(key, op string) string {
	return key + "." + op
}

// numberOffline numbers a ticket from the offline block, durably.
func (k *Kiosk) numberOffline(service string, p protocol.Priority, lang string) (protocol.Ticket, error) {
	if k.opts.Offline == nil {
		return protocol.Ticket{}, ErrNoOfflineBlock
	}
	k.mu.Lock()
	s, known := k.services[service]
	k.mu.Unlock()
	if !known || s.Width == 0 {
		return protocol.Ticket{}, fmt.Errorf("%w: %s", ErrNumbering, service)
	}
	now := k.opts.Clock.Now().In(k.opts.Location)
	day := now.Format(time.DateOnly)
	n, err := k.journal.take(day, service, *k.opts.Offline)
	if err != nil {
		return protocol.Ticket{}, err
	}
	return protocol.Ticket{Number: fmt.Sprintf("%s%0*d", s.Prefix, s.Width, n), Service: service,
		Priority: p, Lang: lang, Ahead: s.Waiting, WaitSeconds: s.WaitSeconds, Issued: now, Day: day}, nil
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
