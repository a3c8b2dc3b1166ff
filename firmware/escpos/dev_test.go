package escpos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarm/serial"

	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
	"github.com/sothutu/sothutu/internal/ptytest"
)

// query is what the printer sees of one Status.
var query = []string{"DLE EOT 1", "DLE EOT 2", "DLE EOT 3", "DLE EOT 4"}

// job is what the printer sees of one Print of an image width dots wide in
// the given bands: its status check, the job, and the query confirming it.
func job(width int, bands ...int) []string {
	l := slices.Clone(query)
	l = append(l, "ESC @")
	for _, b := range bands {
		l = append(l, fmt.Sprintf("GS v 0 %dx%d", width, b))
	}
	return append(l, "GS V 66 24", "GS r 1")
}

func samePixels(a, b *image.Gray) bool {
	return a != nil && b != nil && a.Rect.Size() == b.Rect.Size() && bytes.Equal(a.Pix, b.Pix)
}

// TestPrint sends a 58 mm and an 80 mm ticket over every transport, with a
// height that is not a multiple of the band, and checks what came out of
// the printer bit for bit.
func TestPrint(t *testing.T) {
	for _, tr := range transports {
		for _, width := range []int{384, 576} {
			t.Run(fmt.Sprintf("%s/%d", tr, width), func(t *testing.T) {
				r := newRig(t, tr, width, escpos.Options{})
				img := ticketImage(width, 101, uint64(width))
				if err := r.p.Print(t.Context(), img); err != nil {
					t.Fatal(err)
				}
				// A status query after the job: the printer has then read
				// the whole job.
				if _, err := r.p.Status(t.Context()); err != nil {
					t.Fatal(err)
				}
				if got, want := r.dev.Log(), append(job(width, 24, 24, 24, 24, 5), query...); !slices.Equal(got, want) {
					t.Errorf("printer saw\n%q\nwant\n%q", got, want)
				}
				tk := r.dev.Tickets()
				if len(tk) != 1 {
					t.Fatalf("%d tickets", len(tk))
				}
				if !samePixels(tk[0].Image, img) {
					t.Errorf("printed image differs from the one sent")
				}
				if !tk[0].Partial {
					t.Errorf("full cut, want partial")
				}
			})
		}
	}
}

// TestPrintGuardsRealTime prints the table's image holding real-time
// sequences: the printer must see no real-time command in the data (its
// Err would say so), and print the image less the cleared dots.
func TestPrintGuardsRealTime(t *testing.T) {
	c := escpostest.JobCases[3]
	r := newRig(t, escpos.TransportTCP, 384, escpos.Options{BandRows: c.BandRows})
	if err := r.p.Print(t.Context(), c.Image); err != nil {
		t.Fatal(err)
	}
	if _, err := r.p.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tk := r.dev.Tickets(); len(tk) != 1 || !samePixels(tk[0].Image, escpostest.OnPaper(c.Printed, 384)) {
		t.Errorf("printed %+v", tk)
	}
}

// TestStatus reads every state of the table through each transport.
func TestStatus(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, tr, 576, escpos.Options{})
			for _, c := range escpostest.StatusCases {
				r.dev.SetStatus(c.Answers)
				st, err := r.p.Status(t.Context())
				if err != nil {
					t.Errorf("%s: %v", c.Name, err)
					continue
				}
				if st != c.Want || st.State() != c.State {
					t.Errorf("%s: Status %+v (%s), want %+v (%s)", c.Name, st, st.State(), c.Want, c.State)
				}
			}
		})
	}
}

// TestStatusOffline: a printer that does not answer is offline, after one
// timeout, and comes back when it answers again.
func TestStatusOffline(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			const timeout = 200 * time.Millisecond
			r := newRig(t, tr, 576, escpos.Options{Timeout: timeout})
			r.dev.SetMute(true)
			start := time.Now()
			st, err := r.p.Status(t.Context())
			if !errors.Is(err, escpos.ErrOffline) || st.State() != "offline" {
				t.Errorf("Status = %+v, %v; want offline, ErrOffline", st, err)
			}
			if d := time.Since(start); d < timeout || d > 5*timeout {
				t.Errorf("took %v with a timeout of %v", d, timeout)
			}
			if err := r.p.Print(t.Context(), ticketImage(576, 8, 1)); !errors.Is(err, escpos.ErrOffline) {
				t.Errorf("Print = %v, want ErrOffline", err)
			}
			r.dev.SetMute(false)
			if st, err := r.p.Status(t.Context()); err != nil || st.State() != "ok" {
				t.Errorf("after answering again: %+v, %v", st, err)
			}
			for _, l := range r.dev.Log() {
				if strings.HasPrefix(l, "ESC @") {
					t.Errorf("printer offline was sent a job")
				}
			}
		})
	}
}

// TestStatusGarbled: bytes that are not status, as a wrong baud rate gives.
func TestStatusGarbled(t *testing.T) {
	r := newRig(t, escpos.TransportTCP, 576, escpos.Options{})
	r.dev.SetStatus([4]byte{0x12, 0xF0, 0x12, 0x12})
	st, err := r.p.Status(t.Context())
	if !errors.Is(err, escpos.ErrGarbled) || st.State() != "error" {
		t.Errorf("Status = %+v, %v; want error, ErrGarbled", st, err)
	}
}

// TestPrintRefuses: a printer that says it cannot print is sent nothing.
func TestPrintRefuses(t *testing.T) {
	r := newRig(t, escpos.TransportTCP, 576, escpos.Options{})
	for _, c := range escpostest.StatusCases {
		r.dev.SetStatus(c.Answers)
		err := r.p.Print(t.Context(), ticketImage(576, 8, 1))
		if !errors.Is(err, c.Err) || (err == nil) != (c.Err == nil) {
			t.Errorf("%s: Print = %v, want %v", c.Name, err, c.Err)
		}
	}
	r.dev.SetStatus(escpostest.Ready)
	if _, err := r.p.Status(t.Context()); err != nil { // the printer has read every job
		t.Fatal(err)
	}
	want := 0
	for _, c := range escpostest.StatusCases {
		if c.Err == nil {
			want++
		}
	}
	if n := len(r.dev.Tickets()); n != want {
		t.Errorf("%d tickets printed, want %d (the states that allow printing)", n, want)
	}
}

// TestStatusWaitsForJob holds the printer busy on the first band of a job
// too big for the wire's buffers, so that Print is still sending when
// Status is called, and checks that Status waited and that the printer saw
// no query inside the job. The pseudo-terminal's buffers are small and
// fixed; loopback TCP's grow to megabytes, so TCP is left out: the waiting
// is the Dev's, the same for every transport.
func TestStatusWaitsForJob(t *testing.T) {
	for _, tr := range []string{escpos.TransportSerial, escpos.TransportUSB} {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, tr, 576, escpos.Options{Timeout: 10 * time.Second})
			started, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			r.dev.OnCommand(func(cmd string) {
				if strings.HasPrefix(cmd, "GS v 0") {
					once.Do(func() { close(started); <-release })
				}
			})
			releaseOnce := sync.OnceFunc(func() { close(release) })
			t.Cleanup(releaseOnce)
			waiting := make(chan struct{}, 1)
			escpos.SetWaiting(r.p, func() { waiting <- struct{}{} })

			const rows = 4000 // 288 kB: more than a pseudo-terminal or loopback socket buffers
			printed := make(chan error, 1)
			go func() { printed <- r.p.Print(t.Context(), ticketImage(576, rows, 3)) }()
			<-started
			type result struct {
				st  escpos.Status
				err error
			}
			status := make(chan result, 1)
			go func() {
				st, err := r.p.Status(t.Context())
				status <- result{st, err}
			}()
			select {
			case <-waiting:
			case err := <-printed:
				t.Fatalf("Print returned while the printer was busy: %v", err)
			case res := <-status:
				t.Fatalf("Status returned during the job: %+v, %v", res.st, res.err)
			}
			releaseOnce()
			if err := <-printed; err != nil {
				t.Fatal(err)
			}
			if res := <-status; res.err != nil || res.st.State() != "ok" {
				t.Fatalf("Status = %+v, %v", res.st, res.err)
			}
			var bands []int
			for range rows / 24 {
				bands = append(bands, 24)
			}
			bands = append(bands, rows%24)
			if got, want := r.dev.Log(), append(job(576, bands...), query...); !slices.Equal(got, want) {
				t.Errorf("printer saw %d commands, want %d:\n%q", len(got), len(want), got)
			}
		})
	}
}

// TestPrintCancelled cancels a job once the printer has its first band:
// Print stops between bands and cuts, and the printer sees no garbage.
func TestPrintCancelled(t *testing.T) {
	r := newRig(t, escpos.TransportSerial, 576, escpos.Options{Timeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(t.Context())
	r.dev.OnCommand(func(cmd string) {
		if strings.HasPrefix(cmd, "GS v 0") {
			cancel()
		}
	})
	const rows = 4000
	err := r.p.Print(ctx, ticketImage(576, rows, 4))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Print = %v, want context.Canceled", err)
	}
	r.dev.OnCommand(nil)
	if _, err := r.p.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
	tk := r.dev.Tickets()
	if len(tk) != 1 || !tk[0].Partial || len(tk[0].Bands) == 0 || len(tk[0].Bands) >= rows/24 {
		t.Fatalf("tickets %+v, want one cut short", tk)
	}
}

// TestReconnect unplugs the printer (closes the pseudo-terminal, or the
// TCP connection at the printer's end) and plugs it back (a new
// pseudo-terminal behind the same name): the same Dev must work again.
func TestReconnect(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, tr, 384, escpos.Options{Timeout: 300 * time.Millisecond})
			img := ticketImage(384, 30, 5)
			if err := r.p.Print(t.Context(), img); err != nil {
				t.Fatal(err)
			}
			if _, err := r.p.Status(t.Context()); err != nil { // the printer has read the job
				t.Fatal(err)
			}
			r.unplug()
			if tr != escpos.TransportTCP {
				// Nothing is plugged in: offline.
				if _, err := r.p.Status(t.Context()); !errors.Is(err, escpos.ErrOffline) {
					t.Errorf("unplugged: Status = %v, want ErrOffline", err)
				}
				if err := r.p.Print(t.Context(), img); !errors.Is(err, escpos.ErrOffline) {
					t.Errorf("unplugged: Print = %v, want ErrOffline", err)
				}
			}
			r.plug()
			// The first call after the printer came back works: a dead
			// connection is found and replaced within the call.
			if st, err := r.p.Status(t.Context()); err != nil || st.State() != "ok" {
				t.Fatalf("plugged back: Status = %+v, %v", st, err)
			}
			if err := r.p.Print(t.Context(), img); err != nil {
				t.Fatalf("plugged back: Print = %v", err)
			}
			if _, err := r.p.Status(t.Context()); err != nil {
				t.Fatal(err)
			}
			tk := r.dev.Tickets()
			if len(tk) != 2 || !samePixels(tk[1].Image, img) {
				t.Errorf("%d tickets; want 2, the second as sent", len(tk))
			}
		})
	}
}

// TestCloseWhileReading: the serial transport's reader is always inside a
// Read; Close must still return at once and really release the device, so
// that a replugged printer comes back under its name.
func TestCloseWhileReading(t *testing.T) {
	r := newRig(t, escpos.TransportSerial, 576, escpos.Options{})
	if _, err := r.p.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
	path := r.ptyPath()
	if n := fdsOpenOn(t, path); n != 2 {
		t.Fatalf("%d descriptors on %s before Close, want 2 (the test's and the driver's)", n, path)
	}
	start := time.Now()
	if err := r.p.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if n := fdsOpenOn(t, path); n != 1 {
		t.Errorf("%d descriptors on %s after Close, want 1 (the test's)", n, path)
	}
	if _, err := r.p.Status(t.Context()); !errors.Is(err, escpos.ErrClosed) {
		t.Errorf("Status after Close = %v, want ErrClosed", err)
	}
	if err := r.p.Print(t.Context(), ticketImage(576, 8, 1)); !errors.Is(err, escpos.ErrClosed) {
		t.Errorf("Print after Close = %v, want ErrClosed", err)
	}
}

// TestTarmCloseTrap shows the trap the read timeout avoids: without one,
// tarm/serial's Close waits for the pending Read, which waits for a byte.
func TestTarmCloseTrap(t *testing.T) {
	checkLeaks(t)
	pp := ptytest.Open(t)
	defer pp.Close()
	sp, err := serial.OpenPort(&serial.Config{Name: pp.Path, Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		_, err := sp.Read(make([]byte, 1))
		read <- err
	}()
	waitInSyscall(t, "serial.(*Port).Read")
	closed := make(chan struct{})
	go func() {
		sp.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a Read without a timeout was pending: the trap is gone, and this test with it")
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := pp.Master.Write([]byte{0}); err != nil {
		t.Fatal(err)
	}
	<-closed
	<-read
}

// TestNoStatus: a write-only USB printer still prints.
func TestNoStatus(t *testing.T) {
	r := newRig(t, escpos.TransportUSB, 384, escpos.Options{NoStatus: true, Timeout: 200 * time.Millisecond})
	r.dev.SetMute(true)
	cut := make(chan struct{})
	r.dev.OnCommand(func(cmd string) {
		if strings.HasPrefix(cmd, "GS V") {
			close(cut)
		}
	})
	img := ticketImage(384, 50, 6)
	if err := r.p.Print(t.Context(), img); err != nil {
		t.Fatal(err)
	}
	if st, err := r.p.Status(t.Context()); err != nil || st != (escpos.Status{Online: true}) {
		t.Errorf("Status = %+v, %v; want Online", st, err)
	}
	select {
	case <-cut:
	case <-time.After(5 * time.Second):
		t.Fatal("the printer never read the cut")
	}
	if l := r.dev.Log(); len(l) == 0 || l[0] != "ESC @" || slices.Contains(l, "DLE EOT 1 unanswered") {
		t.Errorf("printer saw %q", l)
	}
	if tk := r.dev.Tickets(); len(tk) != 1 || !samePixels(tk[0].Image, img) {
		t.Errorf("tickets %+v", tk)
	}
}

func TestNewDoesNoIO(t *testing.T) {
	p, err := escpos.New(escpos.Options{Transport: escpos.TransportUSB, Path: "/nonexistent/lp0", PaperDots: 384, Logger: quiet})
	if err != nil {
		t.Fatalf("New with an absent printer: %v", err)
	}
	defer p.Close()
	if _, err := p.Status(t.Context()); !errors.Is(err, escpos.ErrOffline) {
		t.Errorf("Status = %v, want ErrOffline", err)
	}
}
