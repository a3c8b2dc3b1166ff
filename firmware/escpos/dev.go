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
// one before, as the reference asks.
func (d *Dev) query(ctx context.Context, p *port) (Status, error) {
	if n := p.drain(); n > 0 {
		d.log.Debug("discarded bytes the printer sent unasked", "bytes", n)
	}
	var b [4]byte
	for i := range b {
		n := byte(i + 1)
		if err := p.write([]byte{dle, eot, n}); err != nil {
			return Status{}, fmt.Errorf("DLE EOT %d: %w", n, err)
		}
		t := time.NewTimer(d.opts.Timeout)
		c, err := p.readByte(ctx, t.C)
		t.Stop()
		if err != nil {
			return Status{}, fmt.Errorf("DLE EOT %d: %w", n, err)
		}
		if !validReply(c) {
			return Status{}, fmt.Errorf("%w: 0x%02x in answer to DLE EOT %d", ErrGarbled, c, n)
		}
		b[i] = c
	}
	st := parseStatus(b)
	d.log.Debug("printer status", "raw", fmt.Sprintf("% x", b[:]), "state", st.State())
	return st, nil
}

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
	last := len(ends) - 1
	start := 0
	for i, end := range ends {
		if i < last && ctx.Err() != nil {
			if i == 0 {
				return ctx.Err()
			}
			// Cut what was printed so that the next ticket starts clean.
			if err := p.write(data[ends[last-1]:]); err != nil {
				d.drop(p, err)
			}
			return fmt.Errorf("stopped after %d of %d bands: %w", i, last, ctx.Err())
		}
		if err := p.write(data[start:end]); err != nil {
			d.drop(p, err)
			if d.isClosed() {
				return fmt.Errorf("%w (%w)", ErrClosed, err)
			}
			err = fmt.Errorf("%w: after %d of %d bands: %w", ErrOffline, i, last, err)
			d.note(err)
			return err
		}
		start = end
	}
	return nil
}
