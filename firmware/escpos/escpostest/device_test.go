package escpostest_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
)

// wire is a byte stream into a Device, with its answers collected.
type wire struct {
	in  io.Reader
	out bytes.Buffer
}

func (w *wire) Read(b []byte) (int, error)  { return w.in.Read(b) }
func (w *wire) Write(b []byte) (int, error) { return w.out.Write(b) }

func serve(t *testing.T, d *escpostest.Device, in []byte) []byte {
	t.Helper()
	w := &wire{in: bytes.NewReader(in)}
	if err := d.Serve(w); err != nil {
		t.Fatal(err)
	}
	return w.out.Bytes()
}

func TestDeviceDecodesJobCases(t *testing.T) {
	for _, c := range escpostest.JobCases {
		t.Run(c.Name, func(t *testing.T) {
			d := escpostest.NewDevice(384)
			serve(t, d, c.Wire)
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
			tk := d.Tickets()
			want := c.Printed
			if want == nil {
				want = c.Image
			}
			want = escpostest.OnPaper(want, 384)
			if len(tk) != 1 || !tk[0].Partial || tk[0].Image.Rect != want.Rect || !bytes.Equal(tk[0].Image.Pix, want.Pix) {
				t.Errorf("tickets %+v", tk)
			}
		})
	}
}

func TestDeviceAnswersStatusCases(t *testing.T) {
	d := escpostest.NewDevice(576)
	for _, c := range escpostest.StatusCases {
		d.SetStatus(c.Answers)
		got := serve(t, d, []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4})
		if !bytes.Equal(got, c.Answers[:]) {
			t.Errorf("%s: answered % x, want % x", c.Name, got, c.Answers)
		}
	}
	d.SetMute(true)
	if got := serve(t, d, []byte{0x10, 0x04, 1}); len(got) != 0 {
		t.Errorf("mute: answered % x", got)
	}
	if l := d.Log(); l[len(l)-1] != "DLE EOT 1 unanswered" {
		t.Errorf("log ends %q", l[len(l)-1])
	}
	if err := d.Err(); err != nil {
		t.Error(err)
	}
}

// TestDeviceCatchesGarbage: every stream here holds something a ticket
// printer would not understand, or would misprint.
func TestDeviceCatchesGarbage(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"text", []byte("A023"), "unexpected 0x41"},
		{"unknown ESC", []byte{0x1B, 0x74, 0x1E}, "unknown command ESC 0x74"},
		{"unknown GS", []byte{0x1D, 0x21, 0x11}, "unknown command GS 0x21"},
		{"GS v 1", []byte{0x1D, 0x76, 0x31}, "only GS v 0"},
		{"double width raster", []byte{0x1D, 0x76, 0x30, 0x01, 0x01, 0x00, 0x01, 0x00, 0xFF}, "only normal size"},
		{"wider than the paper", []byte{0x1D, 0x76, 0x30, 0x00, 0x31, 0x00, 0x01, 0x00}, "392 dots wide on paper of 384"},
		{"empty raster", []byte{0x1D, 0x76, 0x30, 0x00, 0x00, 0x00, 0x01, 0x00}, "GS v 0 of 0x1"},
		{"real-time in data", []byte{0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, 0x10, 0x04}, "DLE 0x04"},
		{"GS r 2", []byte{0x1D, 0x72, 0x02}, "GS r 2: only 1"},
		{"unknown cut", []byte{0x1D, 0x56, 0x07}, "GS V with unknown mode 7"},
		{"unknown real-time", []byte{0x10, 0x14, 0x01}, "DLE 0x14"},
		{"DLE EOT 5", []byte{0x10, 0x04, 0x05}, "only 1 to 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := escpostest.NewDevice(384)
			serve(t, d, c.in)
			if err := d.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Err = %v, want one saying %q", err, c.want)
			}
		})
	}
}

func TestDeviceTicketsAndLog(t *testing.T) {
	d := escpostest.NewDevice(384)
	var seen []string
	d.OnCommand(func(cmd string) { seen = append(seen, cmd) })
	serve(t, d, []byte{
		0x1B, 0x40, // ESC @
		0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x81, // one row
		0x0A,             // LF
		0x1B, 0x4A, 0x10, // ESC J 16
		0x1D, 0x56, 0x00, // GS V 0: full cut
		0x1B, 0x64, 0x02, // ESC d 2
		0x1D, 0x56, 0x41, 0x00, // GS V 65 0: feed, full cut, nothing printed
	})
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"ESC @", "GS v 0 8x1", "LF", "ESC J 16", "GS V 0", "ESC d 2", "GS V 65 0"}
	if got := d.Log(); !slices.Equal(got, want) || !slices.Equal(seen, want) {
		t.Errorf("log %q, hook saw %q, want %q", got, seen, want)
	}
	tk := d.Tickets()
	if len(tk) != 2 || tk[0].Partial || tk[0].Image.Pix[0] != 0 || tk[0].Image.Pix[1] != 0xFF || tk[1].Image != nil {
		t.Errorf("tickets %+v", tk)
	}
}

type failingWriter struct{ io.Reader }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken") }

func TestDeviceServeErrors(t *testing.T) {
	d := escpostest.NewDevice(384)
	if err := d.Serve(failingWriter{bytes.NewReader([]byte{0x10, 0x04, 0x01})}); err == nil {
		t.Error("Serve hid a failed answer")
	}
	// A stream cut inside a command ends Serve quietly: the wire was cut.
	if err := d.Serve(failingWriter{bytes.NewReader([]byte{0x1D, 0x76, 0x30, 0x00, 0x01})}); err != nil {
		t.Error(err)
	}
}

// TestDeviceAnswersInOrderOrAtOnce holds the Device busy on a band, as a
// printer busy printing: DLE EOT sent after the band is answered at once,
// GS r sent after it only once the band is done.
func TestDeviceAnswersInOrderOrAtOnce(t *testing.T) {
	printer, host := net.Pipe()
	defer host.Close()
	d := escpostest.NewDevice(384)
	busy, release := make(chan struct{}), make(chan struct{})
	d.OnCommand(func(cmd string) {
		if strings.HasPrefix(cmd, "GS v 0") {
			close(busy)
			<-release
		}
	})
	served := make(chan error, 1)
	go func() { served <- d.Serve(printer); printer.Close() }()
	write := func(b ...byte) {
		t.Helper()
		if _, err := host.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	read := func() byte {
		t.Helper()
		var b [1]byte
		if _, err := io.ReadFull(host, b[:]); err != nil {
			t.Fatal(err)
		}
		return b[0]
	}
	d.SetStatus(escpostest.PaperLow)
	write(0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x81) // a band
	<-busy
	write(0x1D, 0x72, 0x01) // GS r 1: waits for the band
	write(0x10, 0x04, 0x04) // DLE EOT 4: answered while the band prints
	if got := read(); got != escpostest.PaperLow[3] {
		t.Fatalf("first answer 0x%02x, want DLE EOT 4's 0x%02x", got, escpostest.PaperLow[3])
	}
	close(release)
	if got := read(); got != 0x03 {
		t.Fatalf("GS r 1 answered 0x%02x, want 0x03 (paper near end)", got)
	}

	// Off-line, the Device processes nothing: GS r waits for the cover.
	d.OnCommand(nil)
	d.SetStatus(escpostest.CoverOpen)
	write(0x1D, 0x72, 0x01)
	write(0x10, 0x04, 0x02)
	if got := read(); got != escpostest.CoverOpen[1] {
		t.Fatalf("cover open: first answer 0x%02x, want DLE EOT 2's 0x%02x", got, escpostest.CoverOpen[1])
	}
	d.SetStatus(escpostest.Ready)
	if got := read(); got != 0x00 {
		t.Fatalf("cover shut: GS r 1 answered 0x%02x, want 0x00", got)
	}

	// A printer without GS r, and one answering late.
	d.SetNoTransmitStatus(true)
	d.SetDelay(50 * time.Millisecond)
	write(0x1D, 0x72, 0x01)
	start := time.Now()
	write(0x10, 0x04, 0x01)
	if got := read(); got != escpostest.Ready[0] || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("delayed: 0x%02x after %v", got, time.Since(start))
	}
	host.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	// The last two were sent together: either may be logged first.
	want := []string{"GS v 0 8x1", "DLE EOT 4", "GS r 1", "DLE EOT 2", "GS r 1", "DLE EOT 1", "GS r 1 unanswered"}
	got := d.Log()
	if len(got) == len(want) {
		slices.Sort(got[5:])
	}
	if !slices.Equal(got, want) {
		t.Errorf("log %q, want %q", got, want)
	}
	if err := d.Err(); err != nil {
		t.Error(err)
	}
}
