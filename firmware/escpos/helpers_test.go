package escpos_test

import (
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
	"github.com/sothutu/sothutu/internal/leaktest"
	"github.com/sothutu/sothutu/internal/ptytest"
)

// quiet is the tests' logger.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// rig is a printer double on a wire of one transport, with a Dev that
// talks to it. The wires:
//
//   - serial: a pseudo-terminal; the driver opens its terminal side through
//     tarm/serial, which sets the line discipline raw as on a real port.
//     A pseudo-terminal carries bytes at once, whatever its baud rate: when
//     the test gives Options.Baud, the Device reads at that rate, 10 bits a
//     byte, and the driver's writes block as on a real line. Parity and
//     flow control are not simulated.
//   - usb: a pseudo-terminal too, in raw mode; the driver opens its terminal
//     side as it opens /dev/usb/lp0, a character device the runtime can
//     poll. What usblp itself does is not simulated: a printer that is
//     write-only (TestNoStatus mutes the Device instead), ENODEV rather
//     than EIO after unplugging, and usblp blocking writes while the
//     printer reports paper out.
//   - tcp: a loopback TCP connection to a listener on a free port.
//
// Unplugging closes the pseudo-terminal (the device name vanishes) or the
// printer's end of the connections; plugging back opens a new
// pseudo-terminal behind the same name, as udev re-creates its symlink.
type rig struct {
	t   *testing.T
	dev *escpostest.Device
	p   *escpos.Dev

	// unplug cuts the wire; plug makes a new one (a new pseudo-terminal
	// behind the same device name, a new TCP connection accepted). cut
	// cuts the wire without waiting for the Device to notice, so that a
	// Device's OnCommand hook may call it.
	unplug, plug, cut func()

	mu  sync.Mutex
	pty *ptytest.Pair // the pseudo-terminal plugged in last
}

// ptyPath is the terminal side of the pseudo-terminal plugged in last.
func (r *rig) ptyPath() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pty.Path
}

// transports are the Dev's transports, each with a wire for the tests.
var transports = []string{escpos.TransportSerial, escpos.TransportUSB, escpos.TransportTCP}

// newRig starts a Device with paper paperDots wide and a Dev on transport
// connected to it, set up by opts (Transport, Path, Addr filled in here).
func newRig(t *testing.T, transport string, paperDots int, opts escpos.Options) *rig {
	t.Helper()
	checkLeaks(t)
	r := &rig{t: t, dev: escpostest.NewDevice(paperDots)}
	opts.Transport, opts.PaperDots, opts.Logger = transport, paperDots, quiet
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	switch transport {
	case escpos.TransportSerial, escpos.TransportUSB:
		if opts.Baud == 0 {
			opts.Baud = 115200 // not paced: a pseudo-terminal carries bytes at once
		} else {
			r.dev.SetBaud(opts.Baud)
		}
		opts.Path = r.servePTY()
	case escpos.TransportTCP:
		opts.Addr = r.serveTCP()
	}
	p, err := escpos.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r.p = p
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := r.dev.Err(); err != nil {
			t.Errorf("printer double saw: %v", err)
		}
	})
	return r
}

// servePTY puts the Device behind a pseudo-terminal reached through a
// symbolic link, as udev names a printer, and returns the link. plug
// replaces the pseudo-terminal with a new one and points the link at it.
func (r *rig) servePTY() string {
	t := r.t
	link := filepath.Join(t.TempDir(), "ticket-printer")
	var wg sync.WaitGroup
	r.plug = func() {
		cur := ptytest.Open(t)
		r.mu.Lock()
		r.pty = cur
		r.mu.Unlock()
		tmp := link + ".new"
		if err := os.Symlink(cur.Path, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, link); err != nil {
			t.Fatal(err)
		}
		master := cur.Master
		wg.Go(func() {
			if err := r.dev.Serve(master); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	r.cut = func() {
		r.mu.Lock()
		cur := r.pty
		r.mu.Unlock()
		cur.Close()
	}
	r.unplug = func() {
		r.cut()
		wg.Wait()
	}
	r.plug()
	t.Cleanup(r.unplug)
	return link
}

// serveTCP puts the Device behind a TCP listener on a free loopback port.
// unplug closes the printer's end of every connection, as a printer
// restarting does; plug does nothing, as the listener keeps accepting.
func (r *rig) serveTCP() string {
	t := r.t
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				if err := r.dev.Serve(c); err != nil {
					t.Errorf("Serve: %v", err)
				}
			})
		}
	})
	r.unplug = func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		conns = nil
	}
	r.cut = r.unplug
	r.plug = func() {}
	t.Cleanup(func() {
		ln.Close()
		r.unplug()
		wg.Wait()
	})
	return ln.Addr().String()
}

// fdsOpenOn counts this process's file descriptors open on path.
func fdsOpenOn(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == path {
			n++
		}
	}
	return n
}

// checkLeaks fails the test if, once it and its cleanups are done, a
// transport's reader goroutine or a Device's Serve is still running.
func checkLeaks(t *testing.T) {
	leaktest.Check(t, "escpos.(*port).read", "escpostest.(*Device).Serve")
}

// waitInSyscall waits until a goroutine whose stack holds fn is blocked in
// a system call.
func waitInSyscall(t *testing.T, fn string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		for g := range strings.SplitSeq(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, fn) && strings.Contains(g, "[syscall") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine in %s blocked in a system call", fn)
		}
		time.Sleep(time.Millisecond)
	}
}
