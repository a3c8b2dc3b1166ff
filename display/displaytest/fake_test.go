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
