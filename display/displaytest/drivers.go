package displaytest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/sothutu/sothutu/display"
)

// The checks below are what every driver's tests ask of its Dev, written
// once; the bus double behind the Dev checks the traffic.

// ShowThenClose shows text on d and closes it, failing the test on an
// error, and checks that a Show after Close is display.ErrClosed.
func ShowThenClose(t testing.TB, d display.Counter, text string) {
	t.Helper()
	if err := d.Show(text); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Show("A1"); !errors.Is(err, display.ErrClosed) {
		t.Errorf("Show after Close = %v, want ErrClosed", err)
	}
}

// Refused checks that d refuses text with want, in a message that names
// name (the character or the limit), and then closes d.
func Refused(t testing.TB, d display.Counter, text string, want error, name string) {
	t.Helper()
	err := d.Show(text)
	if !errors.Is(err, want) {
		t.Errorf("Show(%q) = %v, want %v", text, err, want)
	} else if !strings.Contains(err.Error(), name) {
		t.Errorf("Show(%q) = %v, want it to name %s", text, err, name)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

// I2C is an I²C bus that plays ops back in order; when the test ends it
// fails the test if any op was not played. An op that does not match
// fails the Tx instead of panicking.
func I2C(t testing.TB, ops ...[]i2ctest.IO) *i2ctest.Playback {
	t.Helper()
	p := &i2ctest.Playback{Ops: slices.Concat(ops...), DontPanic: true}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}
