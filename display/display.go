package display

import "errors"

// Counter is a counter's own display: it shows a short text, a ticket
// number like "A023", "1023", "--" or "" (blank).
//
// Implementations are safe for concurrent use. Show replaces what was shown
// before. Close blanks the display where the hardware allows it and leaves
// the bus open: the caller opened it and closes it.
type Counter interface {
	Show(text string) error
	Close() error
}

// Errors callers may branch on. Drivers wrap them with what went wrong, so
// test with errors.Is.
var (
	// ErrUnsupported: the text holds a character this display cannot
	// draw; the error names it. Each driver documents its character set.
	ErrUnsupported = errors.New("character not supported by this display")
	// ErrTooLong: the text has more characters than the display has places.
	ErrTooLong = errors.New("text longer than the display")
	// ErrClosed: Show after Close.
	ErrClosed = errors.New("display closed")
	// ErrOptions: the options passed to a driver's New are invalid.
	ErrOptions = errors.New("invalid display options")
)
