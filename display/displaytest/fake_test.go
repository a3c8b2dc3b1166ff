package displaytest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/sothutu/sothutu/display"
	"github.com/sothutu/sothutu/display/displaytest"
)

func TestFake(t *testing.T) {
	var f displaytest.Fake
	for _, s := range []string{"A023", "--", ""} {
		if err := f.Show(s); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := f.Shown(), []string{"A023", "--", ""}; !slices.Equal(got, want) {
		t.Errorf("Shown = %q, want %q", got, want)
	}
	if f.Last() != "" {
		t.Errorf("Last = %q, want blank", f.Last())
	}
	boom := errors.New("unplugged")
	f.Fail(boom)
	if err := f.Show("A024"); !errors.Is(err, boom) {
		t.Errorf("Show after Fail = %v, want %v", err, boom)
	}
	f.Fail(nil)
	if err := f.Close(); err != nil || !f.Closed() {
		t.Fatalf("Close = %v, Closed = %v", err, f.Closed())
	}
	if err := f.Show("A025"); !errors.Is(err, display.ErrClosed) {
		t.Errorf("Show after Close = %v, want ErrClosed", err)
	}
}

// The drivers' checks pass on the Fake, which behaves as a driver should.
func TestDriverChecksOnFake(t *testing.T) {
	f := &displaytest.Fake{}
	displaytest.ShowThenClose(t, f, "A023")
	if got := f.Shown(); !slices.Equal(got, []string{"A023"}) {
		t.Errorf("Shown = %q, want [A023]", got)
	}
	boom := errors.New("character not drawn: 'Đ'")
	refusing := &displaytest.Fake{}
	refusing.Fail(boom)
	displaytest.Refused(t, refusing, "Đ12", boom, "'Đ'")
	if !refusing.Closed() {
		t.Error("Refused left the display open")
	}
}
