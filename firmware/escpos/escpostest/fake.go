package escpostest

import (
	"context"
	"fmt"
	"image"
	"sync"

	"github.com/sothutu/sothutu/firmware/escpos"
)

var _ escpos.Printer = (*Fake)(nil)

// Fake is a Printer in memory, for kiosk tests and simulation. It checks
// images and refuses jobs the way the driver does, and keeps a copy of
// every image printed.
type Fake struct {
	paperDots int

	mu        sync.Mutex
	status    escpos.Status
	printErr  error
	statusErr error
	images    []*image.Gray
	closed    bool
}

// NewFake returns a ready Fake with paper paperDots wide.
func NewFake(paperDots int) *Fake {
	return &Fake{paperDots: paperDots, status: escpos.Status{Online: true}}
}

// SetStatus sets the state Status reports. Print refuses as the driver
// does when it prevents printing: with ErrPaperOut, ErrCoverOpen,
// ErrPrinterError or ErrOffline.
func (f *Fake) SetStatus(s escpos.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = s
}

// FailPrint makes every Print fail with err, after the status check, as a
// job breaking off does; nil makes Print work again. Status is unchanged:
// use it for "the printer looked ready but the ticket did not come out",
// with an error wrapping escpos.ErrJobIncomplete as the driver's does. A
// Print that returns nil kept its image, as the driver's returns nil only
// once the printer confirmed the whole ticket.
func (f *Fake) FailPrint(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.printErr = err
}

// FailStatus makes every Status, and every Print, fail with err, as an
// unreachable printer does (escpos.ErrOffline is the usual one); Status
// then reports the zero Status. nil ends it.
func (f *Fake) FailStatus(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusErr = err
}

// Images returns the images printed so far.
func (f *Fake) Images() []*image.Gray {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*image.Gray(nil), f.images...)
}

// Print implements escpos.Printer.
func (f *Fake) Print(ctx context.Context, img *image.Gray) error {
	if err := escpos.CheckImage(img, f.paperDots); err != nil {
		return fmt.Errorf("escpos: Print: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("escpos: Print: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.closed:
		return fmt.Errorf("escpos: Print: %w", escpos.ErrClosed)
	case f.statusErr != nil:
		return fmt.Errorf("escpos: Print: %w", f.statusErr)
	}
	if err := f.status.Err(); err != nil {
		return fmt.Errorf("escpos: Print: %w", err)
	}
	if f.printErr != nil {
		return fmt.Errorf("escpos: Print: %w", f.printErr)
	}
	c := image.NewGray(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()))
	for y := range c.Rect.Dy() {
		copy(c.Pix[y*c.Stride:][:c.Rect.Dx()], img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):])
	}
	f.images = append(f.images, c)
	return nil
}

// Status implements escpos.Printer.
func (f *Fake) Status(ctx context.Context) (escpos.Status, error) {
	if err := ctx.Err(); err != nil {
		return escpos.Status{}, fmt.Errorf("escpos: Status: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.closed:
		return escpos.Status{}, fmt.Errorf("escpos: Status: %w", escpos.ErrClosed)
	case f.statusErr != nil:
		return escpos.Status{}, fmt.Errorf("escpos: Status: %w", f.statusErr)
	}
	return f.status, nil
}

// Close implements escpos.Printer.
func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}
