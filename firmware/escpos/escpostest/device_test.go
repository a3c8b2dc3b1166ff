package escpostest_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

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
		{"bands of two widths", []byte{
			0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0xFF,
			0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, 0xFF, 0xFF,
		}, "16 dots wide after bands 8 wide"},
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
