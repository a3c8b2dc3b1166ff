// Package ptytest opens pseudo-terminals for the tests of serial devices
// (the printer's and the Modbus displays'): a real tty, so that the driver
// under test goes through tarm/serial's raw setup, a read timeout and
// Close as on a real port, while the test's double reads and writes the
// other side.
package ptytest

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// Pair is a pseudo-terminal. The double reads and writes Master; the
// driver opens the terminal side at Path. keep holds that side open, like
// a device at the end of a cable, so that Master never reads EIO while the
// driver's side is closed and reopened.
type Pair struct {
	Master *os.File
	Path   string
	keep   *os.File
	once   sync.Once
}

// Open opens a pseudo-terminal in raw mode, so that bytes pass unchanged
// both ways (no echo, no CR/LF translation, no signals). It is closed when
// the test ends, if not before; a system without pseudo-terminals skips
// the test.
func Open(t testing.TB) *Pair {
	t.Helper()
	// O_NONBLOCK puts the master in the runtime's poller, so that Close
	// interrupts the double's Read.
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	master := os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Fatalf("ptsname: %v", err)
	}
	path := fmt.Sprintf("/dev/pts/%d", n)
	keep, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatal(err)
	}
	if err := makeRaw(int(keep.Fd())); err != nil {
		master.Close()
		keep.Close()
		t.Fatalf("raw mode: %v", err)
	}
	p := &Pair{Master: master, Path: path, keep: keep}
	t.Cleanup(p.Close)
	return p
}

// Close closes both sides, once: the double's Read on Master returns.
func (p *Pair) Close() {
	p.once.Do(func() {
		p.Master.Close()
		p.keep.Close()
	})
}

// makeRaw is cfmakeraw(3).
func makeRaw(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("makeRaw: TCGETS: %w", err)
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, tio); err != nil {
		return fmt.Errorf("makeRaw: TCSETS: %w", err)
	}
	return nil
}
