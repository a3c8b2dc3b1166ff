package escpos

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"
)

var _ Printer = (*Dev)(nil)

// Dev is an ESC/POS printer on a serial line, a USB printer device file or
// a TCP socket. Its methods may be called from any goroutine; one job or
// status query runs at a time, the others wait their turn.
type Dev struct {
	opts      Options
	log       *slog.Logger
	turn      chan struct{} // cap 1: held for a whole job or status query
	quit      chan struct{} // closed by Close
	closeOnce sync.Once

	mu     sync.Mutex
	port   *port // nil until opened, and after an I/O error
	closed bool
	health int8 // last outcome, for logging changes only: 0 unknown, 1 reachable, -1 not

	// Answers owed by the printer, for queries that timed out: a late
	// answer must not be read as the answer to the next query. Used only
	// by the holder of turn.
	owed        int       // DLE EOT answers
	owedUntil   time.Time // after which the DLE EOT answers owed are taken as lost
	owedConfirm int       // GS r answers, told apart from DLE EOT answers by bit 4

	// waiting, if set, is called when a call finds another's job or query
	// in progress and waits for it (tests).
	waiting func()
}

// New checks opts and returns a Dev. It does no I/O: the transport is
// opened by the first Print or Status, and opened again by the next one
// after any failed exchange, so a printer that is off at start-up, or
// unplugged and plugged back, works again without a restart.
func New(opts Options) (*Dev, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	return &Dev{
		opts: opts,
		log:  opts.Logger.With("printer", opts.where()),
		turn: make(chan struct{}, 1),
		quit: make(chan struct{}),
	}, nil
}

// Print sends img as one job; see Printer. If ctx ends while the image is
// being sent, Print stops after the band in progress and cuts the paper, so
// that the next job starts on a clean printer, and returns ctx's error.
func (d *Dev) Print(ctx context.Context, img *image.Gray) error {
	if err := CheckImage(img, d.opts.PaperDots); err != nil {
		return fmt.Errorf("escpos: Print: %w", err)
	}
	if err := d.acquire(ctx); err != nil {
		return fmt.Errorf("escpos: Print: %w", err)
	}
	defer d.release()
	if err := d.print(ctx, img); err != nil {
		return fmt.Errorf("escpos: Print: %w", err)
	}
	return nil
}

// Status asks the printer with DLE EOT 1 to 4; see Printer. With NoStatus
// it only opens the transport and reports Online if that works.
func (d *Dev) Status(ctx context.Context) (Status, error) {
	if err := d.acquire(ctx); err != nil {
		return Status{}, fmt.Errorf("escpos: Status: %w", err)
	}
	defer d.release()
	st, err := d.status(ctx)
	if err != nil {
		return st, fmt.Errorf("escpos: Status: %w", err)
	}
	return st, nil
}

// Close closes the transport. A job being sent breaks off.
func (d *Dev) Close() error {
	d.closeOnce.Do(func() { close(d.quit) })
	d.mu.Lock()
	p := d.port
	d.port, d.closed = nil, true
	d.mu.Unlock()
	if p == nil {
		return nil
	}
	if err := p.close(); err != nil {
		return fmt.Errorf("escpos: Close: %w", err)
	}
	return nil
}

func (d *Dev) acquire(ctx context.Context) error {
	select {
	case d.turn <- struct{}{}:
	default:
		if d.waiting != nil {
			d.waiting()
		}
		select {
		case d.turn <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-d.quit:
			return ErrClosed
		}
	}
	select {
	case <-d.quit:
		d.release()
		return ErrClosed
	default:
		return nil
	}
}

func (d *Dev) release() { <-d.turn }

// open returns the open transport, opening it if needed; fresh reports
// that it was opened by this call.
func (d *Dev) open(ctx context.Context) (p *port, fresh bool, err error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, false, ErrClosed
	}
	old := d.port
	if old != nil && old.broken() == nil {
		d.mu.Unlock()
		return old, false, nil
	}
	d.port = nil
	d.mu.Unlock()
	if old != nil {
		d.log.Debug("printer connection lost", "err", old.broken())
		_ = old.close()
	}

	p, err = openPort(ctx, &d.opts)
	if err != nil {
		if errors.Is(err, ErrOptions) {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("%w: %w", ErrOffline, err)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		_ = p.close()
		return nil, false, ErrClosed
	}
	d.port = p
	d.mu.Unlock()
	d.log.Debug("printer connection opened")
	return p, true, nil
}

// drop closes p after a failed exchange; the next call opens the
// transport again.
func (d *Dev) drop(p *port, why error) {
	d.mu.Lock()
	if d.port == p {
		d.port = nil
	}
	d.mu.Unlock()
	d.log.Debug("printer exchange failed; reopening on next use", "err", why)
	_ = p.close()
}

func (d *Dev) isClosed() bool {
	select {
	case <-d.quit:
		return true
	default:
		return false
	}
}

// status queries the printer and logs when it becomes reachable or stops
// being so.
func (d *Dev) status(ctx context.Context) (Status, error) {
	st, err := d.ask(ctx)
	if ctx.Err() == nil && !errors.Is(err, ErrClosed) {
		d.note(err)
	}
	return st, err
}

// note logs changes between reachable and not, once each.
func (d *Dev) note(err error) {
	h := int8(1)
	if err != nil {
		h = -1
	}
	d.mu.Lock()
	was := d.health
	d.health = h
	d.mu.Unlock()
	switch {
	case h == was:
	case h > 0:
		d.log.Info("printer reachable")
	default:
		d.log.Warn("printer unreachable", "err", err)
	}
}

// ask queries the printer, once more on a new connection if the one it
// had turns out to be dead (a TCP printer restarted, a cable replugged).
func (d *Dev) ask(ctx context.Context) (Status, error) {
	for attempt := 0; ; attempt++ {
		p, fresh, err := d.open(ctx)
		if err != nil {
			return Status{}, err
		}
		if d.opts.NoStatus {
			return Status{Online: true}, nil
		}
		st, err := d.query(ctx, p)
		switch {
		case err == nil:
			return st, nil
		case ctx.Err() != nil:
			return Status{}, err
		case d.isClosed():
			return Status{}, fmt.Errorf("%w (%w)", ErrClosed, err)
		}
		d.drop(p, err)
		switch {
		case errors.Is(err, errNoAnswer):
			hint := ""
			if d.opts.Transport == TransportUSB {
				hint = " (a USB printer that never answers needs NoStatus)"
			}
			return Status{}, fmt.Errorf("%w: no answer within %v%s", ErrOffline, d.opts.Timeout, hint)
		case errors.Is(err, ErrGarbled):
			return Status{Error: true}, err
		case fresh || attempt > 0:
			return Status{}, fmt.Errorf("%w: %w", ErrOffline, err)
		}
	}
}

// query sends DLE EOT 1 to 4, one at a time, each after the answer to the
// one before, as the reference asks, once any late answers are out of the
// way.
func (d *Dev) query(ctx context.Context, p *port) (Status, error) {
	if err := d.settle(ctx, p); err != nil {
		return Status{}, err
	}
	var b [4]byte
	for i := range b {
		n := byte(i + 1)
		if err := p.write([]byte{dle, eot, n}); err != nil {
			return Status{}, fmt.Errorf("DLE EOT %d: %w", n, err)
		}
		c, err := d.readStatus(ctx, p, time.Now().Add(d.opts.Timeout))
		if errors.Is(err, errNoAnswer) {
			d.owed++
			d.owedUntil = time.Now().Add(d.opts.Timeout)
		}
		if err != nil {
			return Status{}, fmt.Errorf("DLE EOT %d: %w", n, err)
		}
		b[i] = c
	}
	st := parseStatus(b)
	d.log.Debug("printer status", "raw", fmt.Sprintf("% x", b[:]), "state", st.State())
	return st, nil
}

// readStatus reads the answer to a DLE EOT, passing over a late answer to
// GS r that is owed.
func (d *Dev) readStatus(ctx context.Context, p *port, deadline time.Time) (byte, error) {
	return d.readAnswer(ctx, p, deadline, "DLE EOT", validReply, func(c byte) bool {
		if !isConfirmation(c) || d.owedConfirm == 0 {
			return false
		}
		d.owedConfirm--
		d.log.Debug("discarded a late answer to GS r", "byte", c)
		return true
	})
}

// readAnswer reads the answer to query, one byte for which is holds, by
// deadline. The two queries' answers can cross: a byte for which late
// holds is a late answer to the other query, counted off by late and
// passed over; any other byte is garbled.
func (d *Dev) readAnswer(ctx context.Context, p *port, deadline time.Time, query string, is, late func(byte) bool) (byte, error) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		c, err := p.readByte(ctx, t.C)
		switch {
		case err != nil:
			return 0, err
		case is(c):
			return c, nil
		case late(c):
		default:
			return 0, fmt.Errorf("%w: 0x%02x in answer to %s", ErrGarbled, c, query)
		}
	}
}

// settle discards what the printer sent unasked and, when answers are
// owed for queries that timed out, waits for them (up to one Timeout after
// the last timed out) and discards them too. DLE EOT answers look alike:
// only by waiting them out can a late one not be read as the next's.
func (d *Dev) settle(ctx context.Context, p *port) error {
	discard := func(c byte) {
		switch {
		case validReply(c) && d.owed > 0:
			d.owed--
			d.log.Debug("discarded a late status answer", "byte", c)
		case isConfirmation(c) && d.owedConfirm > 0:
			d.owedConfirm--
			d.log.Debug("discarded a late answer to GS r", "byte", c)
		default:
			d.log.Debug("discarded a byte the printer sent unasked", "byte", c)
		}
	}
	for _, c := range p.drained() {
		discard(c)
	}
	if d.owed > 0 {
		if wait := time.Until(d.owedUntil); wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			for d.owed > 0 {
				c, err := p.readByte(ctx, t.C)
				if errors.Is(err, errNoAnswer) {
					break
				}
				if err != nil {
					return err
				}
				discard(c)
			}
		}
		if d.owed > 0 {
			d.log.Debug("status answers owed never came", "answers", d.owed)
		}
		d.owed = 0
	}
	return nil
}

// isConfirmation reports whether c can be an answer to GS r 1: bits 4 and
// 7 fixed off (and bits 5 and 6 reserved, off), where every DLE EOT
// answer has bit 4 on.
func isConfirmation(c byte) bool { return c&0xF0 == 0 }

// print checks the printer can print, sends the job and waits for its
// confirmation, all within the job's time limit.
func (d *Dev) print(ctx context.Context, img *image.Gray) error {
	if !d.opts.NoStatus {
		st, err := d.status(ctx)
		if err != nil {
			return err
		}
		if err := st.Err(); err != nil {
			return err
		}
	}
	p, _, err := d.open(ctx)
	if err != nil {
		return err
	}
	data, ends, guarded := encodeJob(img, d.opts.BandRows)
	if guarded > 0 {
		d.log.Debug("cleared dots that would read as real-time commands", "dots", guarded)
	}
	start := time.Now()
	send, printing := d.opts.JobTime(len(data)+confirmLen, img.Rect.Dy())
	limit := send + printing + d.opts.Timeout
	deadline := start.Add(limit)
	incomplete := func(format string, args ...any) error {
		err := fmt.Errorf("%w: "+format, append([]any{ErrJobIncomplete}, args...)...)
		d.log.Warn("ticket not confirmed printed", "err", err, "bytes", len(data), "limit", limit)
		return err
	}
	last := len(ends) - 1
	from := 0
	for i, end := range ends {
		if i < last && ctx.Err() != nil {
			if i == 0 {
				return ctx.Err()
			}
			// Cut what was printed so that the next ticket starts clean.
			if err := p.write(data[ends[last-1]:]); err != nil {
				d.drop(p, err)
			}
			return incomplete("stopped after %d of %d bands: %w", i, last, ctx.Err())
		}
		if i > 0 && time.Now().After(deadline) {
			d.drop(p, errors.New("job time limit"))
			return incomplete("%w: %d of %d bands sent within the job's limit of %v", ErrOffline, i, last, limit.Round(time.Millisecond))
		}
		if err := p.writeBy(data[from:end], deadline); err != nil {
			d.drop(p, err)
			if d.isClosed() {
				return fmt.Errorf("%w: %w (%w)", ErrJobIncomplete, ErrClosed, err)
			}
			err = incomplete("%w: after %d of %d bands: %w", ErrOffline, i, last, err)
			d.note(err)
			return err
		}
		from = end
	}
	switch {
	case d.opts.NoStatus:
		// A write-only printer: the job is in the transport's hands.
		return nil
	case d.opts.Confirm == ConfirmDrain:
		return d.confirmByDrain(ctx, p, start.Add(send+printing), incomplete)
	}
	if err := p.writeBy(confirmQuery, deadline); err != nil {
		d.drop(p, err)
		return incomplete("%w: GS r 1: %w", ErrOffline, err)
	}
	c, err := d.readConfirmation(ctx, p, deadline)
	switch {
	case errors.Is(err, errNoAnswer):
		d.owedConfirm++
		return incomplete("%w: no answer to GS r 1 within the job's limit of %v (%d bytes; a printer that never answers GS r needs Confirm %q)",
			ErrOffline, limit.Round(time.Millisecond), len(data), ConfirmDrain)
	case ctx.Err() != nil:
		d.owedConfirm++
		// A printer that is online but never answers GS r fails here on
		// every job: say what to set.
		return incomplete("waiting for GS r 1: %w (a printer that prints but never answers GS r needs the drain confirmation: printer.confirm: drain)", ctx.Err())
	case err != nil:
		d.drop(p, err)
		if d.isClosed() {
			return fmt.Errorf("%w: %w (%w)", ErrJobIncomplete, ErrClosed, err)
		}
		return incomplete("%w: waiting for GS r 1: %w", ErrOffline, err)
	case c&0x0C != 0:
		return incomplete("%w: the printer reports the roll ended", ErrPaperOut)
	}
	d.log.Debug("job confirmed", "bytes", len(data), "took", time.Since(start).Round(time.Millisecond), "limit", limit)
	return nil
}

// readConfirmation reads the answer to GS r 1, passing over late DLE EOT
// answers.
func (d *Dev) readConfirmation(ctx context.Context, p *port, deadline time.Time) (byte, error) {
	return d.readAnswer(ctx, p, deadline, "GS r 1", isConfirmation, func(c byte) bool {
		if !validReply(c) {
			return false
		}
		d.owed = max(0, d.owed-1)
		d.log.Debug("discarded a late status answer", "byte", c)
		return true
	})
}

// confirmByDrain waits until the job should have been printed, then asks
// DLE EOT: a printer online, with paper and its cover shut, is taken to
// have printed it.
func (d *Dev) confirmByDrain(ctx context.Context, p *port, printed time.Time, incomplete func(string, ...any) error) error {
	t := time.NewTimer(time.Until(printed))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return incomplete("waiting for the job to drain: %w", ctx.Err())
	}
	st, err := d.query(ctx, p)
	if err != nil {
		d.drop(p, err)
		return incomplete("%w: after the job: %w", ErrOffline, err)
	}
	if err := st.Err(); err != nil {
		return incomplete("after the job: %w", err)
	}
	return nil
}
