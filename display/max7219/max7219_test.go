package max7219_test

import (
	"errors"
	"slices"
	"testing"

	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spitest"

	"github.com/sothutu/sothutu/display"
	"github.com/sothutu/sothutu/display/displaytest"
	"github.com/sothutu/sothutu/display/max7219"
)

// reg is one register write as it crosses SPI: address, value.
func reg(r, v byte) conntest.IO { return conntest.IO{W: []byte{r, v}} }

// initOps is New's traffic for 4 digits at intensity 8.
var initOps = []conntest.IO{
	reg(0x0F, 0x00), // display test off
	reg(0x0B, 0x03), // scan limit: digits 0-3
	reg(0x09, 0x00), // decode mode: none
	reg(0x0A, 0x08), // intensity 8/15
	reg(0x04, 0x00), // DIG3 (leftmost) blank
	reg(0x03, 0x00),
	reg(0x02, 0x00),
	reg(0x01, 0x00), // DIG0 (rightmost) blank
	reg(0x0C, 0x01), // shutdown off: normal operation
}

// closeOps is Close's traffic for 4 digits.
var closeOps = []conntest.IO{
	reg(0x04, 0x00), reg(0x03, 0x00), reg(0x02, 0x00), reg(0x01, 0x00),
	reg(0x0C, 0x00), // shutdown
}

func playback(t *testing.T, ops ...[]conntest.IO) spi.Conn {
	t.Helper()
	p := &spitest.Playback{Playback: conntest.Playback{Ops: slices.Concat(ops...), DontPanic: true}}
	c, err := p.Connect(physic.MegaHertz, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func TestShow(t *testing.T) {
	tests := []struct {
		text string
		ops  []conntest.IO // DIG3 (leftmost) to DIG0
	}{
		{"A023", []conntest.IO{reg(4, 0x77), reg(3, 0x7E), reg(2, 0x6D), reg(1, 0x79)}},
		{"1023", []conntest.IO{reg(4, 0x30), reg(3, 0x7E), reg(2, 0x6D), reg(1, 0x79)}},
		{"b9", []conntest.IO{reg(4, 0x00), reg(3, 0x00), reg(2, 0x1F), reg(1, 0x7B)}},
		{"--", []conntest.IO{reg(4, 0x00), reg(3, 0x00), reg(2, 0x01), reg(1, 0x01)}},
		{"", []conntest.IO{reg(4, 0x00), reg(3, 0x00), reg(2, 0x00), reg(1, 0x00)}},
		{"cdEF", []conntest.IO{reg(4, 0x4E), reg(3, 0x3D), reg(2, 0x4F), reg(1, 0x47)}},
		{"HLPU", []conntest.IO{reg(4, 0x37), reg(3, 0x0E), reg(2, 0x67), reg(1, 0x3E)}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c := playback(t, initOps, tt.ops, closeOps)
			d, err := max7219.New(c, &max7219.Opts{Digits: 4, Intensity: 8})
			if err != nil {
				t.Fatal(err)
			}
			displaytest.ShowThenClose(t, d, tt.text)
		})
	}
}

func TestShowRefused(t *testing.T) {
	tests := []struct {
		text string
		want error
		name string // must appear in the message
	}{
		{"S023", display.ErrUnsupported, `'S'`},
		{"A0.3", display.ErrUnsupported, `'.'`},
		{"Ư12", display.ErrUnsupported, `'Ư'`},
		{"A0234", display.ErrTooLong, "4 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			// Nothing but init and close may cross the bus.
			c := playback(t, initOps, closeOps)
			d, err := max7219.New(c, &max7219.Opts{Digits: 4, Intensity: 8})
			if err != nil {
				t.Fatal(err)
			}
			displaytest.Refused(t, d, tt.text, tt.want, tt.name)
		})
	}
}

func TestEncodeCaseInsensitive(t *testing.T) {
	up, err := max7219.Encode("ABCDEFGHJLNOPQRTUY", 18)
	if err != nil {
		t.Fatal(err)
	}
	low, err := max7219.Encode("abcdefghjlnopqrtuy", 18)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(up, low) {
		t.Errorf("upper %x != lower %x", up, low)
	}
}

func TestNewOptions(t *testing.T) {
	for _, o := range []max7219.Opts{{Digits: 9}, {Digits: -1}, {Digits: 4, Intensity: 16}} {
		c := playback(t) // no traffic
		if _, err := max7219.New(c, &o); !errors.Is(err, display.ErrOptions) {
			t.Errorf("New(%+v) = %v, want ErrOptions", o, err)
		}
	}
}

func TestBusError(t *testing.T) {
	// Playback with no ops returns an error on the first Tx.
	c := playback(t)
	if _, err := max7219.New(c, &max7219.Opts{Digits: 4}); err == nil {
		t.Fatal("New on a failing bus succeeded")
	}
}
