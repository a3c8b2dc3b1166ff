package escpostest_test

import (
	"context"
	"errors"
	"image"
	"testing"

	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
)

func TestFake(t *testing.T) {
	ctx := t.Context()
	f := escpostest.NewFake(384)
	img := escpostest.Bits(16, []byte{0xF0, 0x0F})
	if err := f.Print(ctx, img); err != nil {
		t.Fatal(err)
	}
	img.Pix[0] = 0x80 // the Fake kept a copy
	if got := f.Images(); len(got) != 1 || got[0].Pix[0] != 0 {
		t.Errorf("images %+v", got)
	}
	if st, err := f.Status(ctx); err != nil || st.State() != "ok" {
		t.Errorf("Status = %+v, %v", st, err)
	}

	if err := f.Print(ctx, image.NewGray(image.Rect(0, 0, 392, 1))); !errors.Is(err, escpos.ErrImage) {
		t.Errorf("too wide: %v", err)
	}
	for _, c := range escpostest.StatusCases {
		f.SetStatus(c.Want)
		if err := f.Print(ctx, img); !errors.Is(err, c.Err) || (err == nil) != (c.Err == nil) {
			t.Errorf("%s: Print = %v, want %v", c.Name, err, c.Err)
		}
	}
	f.SetStatus(escpos.Status{Online: true})

	f.FailPrint(escpos.ErrOffline)
	if err := f.Print(ctx, img); !errors.Is(err, escpos.ErrOffline) {
		t.Errorf("FailPrint: %v", err)
	}
	if _, err := f.Status(ctx); err != nil {
		t.Errorf("FailPrint broke Status: %v", err)
	}
	f.FailPrint(nil)

	f.FailStatus(escpos.ErrOffline)
	if st, err := f.Status(ctx); !errors.Is(err, escpos.ErrOffline) || st.State() != "offline" {
		t.Errorf("FailStatus: %+v, %v", st, err)
	}
	if err := f.Print(ctx, img); !errors.Is(err, escpos.ErrOffline) {
		t.Errorf("FailStatus: Print = %v", err)
	}
	f.FailStatus(nil)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.Print(cancelled, img); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	f.Close()
	if err := f.Print(ctx, img); !errors.Is(err, escpos.ErrClosed) {
		t.Errorf("closed: %v", err)
	}
	if n := len(f.Images()); n != 1+countPrintable() {
		t.Errorf("%d images", n)
	}
}

func countPrintable() int {
	n := 0
	for _, c := range escpostest.StatusCases {
		if c.Err == nil {
			n++
		}
	}
	return n
}
