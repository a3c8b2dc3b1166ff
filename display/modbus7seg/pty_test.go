package modbus7seg_test

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// ptyPair is a pseudo-terminal, the serial line of these tests; the same
// approach as firmware/escpos's tests. The module double reads and writes
// master; the driver gets the terminal side at path, through tarm/serial
// (which sets it raw, as a real port) or as a plain file; keep holds the
// terminal side open so that master never reads EIO while the driver's
// side is closed and reopened.
type ptyPair struct {
	master, keep *os.File
	path         string
	once         sync.Once
}

// openPTY opens a pseudo-terminal in raw mode, so that bytes pass
// unchanged both ways (no echo, no CR/LF translation, no signals).
func openPTY(t *testing.T) *ptyPair {
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
	p := &ptyPair{master: master, keep: keep, path: path}
	t.Cleanup(p.close)
	return p
}

// makeRaw is cfmakeraw(3).
func makeRaw(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
}

func (p *ptyPair) close() {
	p.once.Do(func() {
		p.master.Close()
		p.keep.Close()
	})
}
