package escpos_test

import (
	"bytes"
	"errors"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
)

func TestEncodeJobCases(t *testing.T) {
	for _, c := range escpostest.JobCases {
		t.Run(c.Name, func(t *testing.T) {
			data, ends, _ := escpos.EncodeJob(c.Image, c.BandRows)
			if !bytes.Equal(data, c.Wire) {
				t.Errorf("wire\n got % x\nwant % x", data, c.Wire)
			}
			if ends[len(ends)-1] != len(data) {
				t.Errorf("writes end at %d of %d bytes", ends[len(ends)-1], len(data))
			}
		})
	}
}

func TestParseStatusCases(t *testing.T) {
	for _, c := range escpostest.StatusCases {
		t.Run(c.Name, func(t *testing.T) {
			st, ok := escpos.ParseStatus(c.Answers)
			if !ok {
				t.Fatalf("answers % x rejected", c.Answers)
			}
			if st != c.Want {
				t.Errorf("Status = %+v, want %+v", st, c.Want)
			}
			if got := st.State(); got != c.State {
				t.Errorf("State = %q, want %q", got, c.State)
			}
			if err := st.Err(); !errors.Is(err, c.Err) || (err == nil) != (c.Err == nil) {
				t.Errorf("Err = %v, want %v", err, c.Err)
			}
		})
	}
	for _, bad := range [][4]byte{{0xFF, 0x12, 0x12, 0x12}, {0x12, 0x00, 0x12, 0x12}, {0x12, 0x12, 0x12, 0x92}} {
		if _, ok := escpos.ParseStatus(bad); ok {
			t.Errorf("answers % x accepted", bad)
		}
	}
}

// TestBanding checks every height against several band sizes: bands in
// order, all full but the last, rows adding up, data lengths right.
func TestBanding(t *testing.T) {
	for _, width := range []int{384, 576} {
		for _, band := range []int{1, 7, 24, 255, 256} {
			for h := 1; h <= 100; h++ {
				img := image.NewGray(image.Rect(0, 0, width, h))
				data, ends, _ := escpos.EncodeJob(img, band)
				want := (h + band - 1) / band
				if len(ends) != want+1 {
					t.Fatalf("%dx%d in bands of %d: %d writes, want %d", width, h, band, len(ends), want+1)
				}
				rest := data[2:]
				rows := 0
				for i := range want {
					hd := rest[:8]
					if !bytes.Equal(hd[:6], []byte{0x1D, 0x76, 0x30, 0, byte(width / 8), byte(width / 8 >> 8)}) {
						t.Fatalf("%dx%d/%d band %d header % x", width, h, band, i, hd)
					}
					n := int(hd[6]) | int(hd[7])<<8
					if n != min(band, h-rows) {
						t.Fatalf("%dx%d/%d band %d has %d rows", width, h, band, i, n)
					}
					rows += n
					rest = rest[8+n*width/8:]
					if got := len(data) - len(rest); got != ends[i] {
						t.Fatalf("%dx%d/%d band %d ends at %d, write ends at %d", width, h, band, i, got, ends[i])
					}
				}
				if !bytes.Equal(rest, []byte{0x1D, 0x56, 66, 24}) {
					t.Fatalf("%dx%d/%d ends with % x", width, h, band, rest)
				}
			}
		}
	}
}

func TestEncodeSubImage(t *testing.T) {
	big := escpostest.Bits(24, []byte{0xAA, 0x0F, 0x55}, []byte{0x01, 0xF0, 0x80})
	sub := big.SubImage(image.Rect(8, 0, 16, 2)).(*image.Gray)
	data, _, _ := escpos.EncodeJob(sub, 24)
	if got := data[10:12]; !bytes.Equal(got, []byte{0x0F, 0xF0}) {
		t.Errorf("sub-image data % x, want 0f f0", got)
	}
}

func TestCheckImage(t *testing.T) {
	for _, c := range []struct {
		name string
		img  *image.Gray
		ok   bool
	}{
		{"nil", nil, false},
		{"empty", image.NewGray(image.Rect(0, 0, 0, 0)), false},
		{"width not a multiple of 8", image.NewGray(image.Rect(0, 0, 380, 10)), false},
		{"wider than the paper", image.NewGray(image.Rect(0, 0, 392, 10)), false},
		{"too tall", image.NewGray(image.Rect(0, 0, 8, escpos.MaxRows+1)), false},
		{"full width", image.NewGray(image.Rect(0, 0, 384, 10)), true},
		{"narrow", image.NewGray(image.Rect(0, 0, 8, 1)), true},
	} {
		err := escpos.CheckImage(c.img, 384)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, escpos.ErrImage)) {
			t.Errorf("%s: CheckImage = %v", c.name, err)
		}
	}
}

func TestNewOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		opts escpos.Options
		ok   bool
	}{
		{"no transport", escpos.Options{PaperDots: 576}, false},
		{"serial without baud", escpos.Options{Transport: "serial", Path: "/dev/x", PaperDots: 576}, false},
		{"serial odd baud", escpos.Options{Transport: "serial", Path: "/dev/x", Baud: 9601, PaperDots: 576}, false},
		{"serial", escpos.Options{Transport: "serial", Path: "/dev/x", Baud: 9600, PaperDots: 576}, true},
		{"usb without path", escpos.Options{Transport: "usb", PaperDots: 576}, false},
		{"tcp without port", escpos.Options{Transport: "tcp", Addr: "10.0.0.5", PaperDots: 384}, true},
		{"paper not a multiple of 8", escpos.Options{Transport: "tcp", Addr: "h:9100", PaperDots: 580}, false},
		{"no paper width", escpos.Options{Transport: "tcp", Addr: "h:9100"}, false},
		{"band too tall", escpos.Options{Transport: "tcp", Addr: "h:9100", PaperDots: 576, BandRows: 5000}, false},
	} {
		_, err := escpos.New(c.opts)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, escpos.ErrOptions)) {
			t.Errorf("%s: New = %v", c.name, err)
		}
	}
}

// ticketImage is a noisy image as tall as a long ticket, with no 0x10
// byte, so that it has no real-time sequence to guard and must arrive
// bit-identical.
func ticketImage(width, height int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 1))
	rows := make([][]byte, height)
	for y := range rows {
		rows[y] = make([]byte, width/8)
		for x := range rows[y] {
			b := byte(r.Uint32())
			if b == 0x10 {
				b = 0x11
			}
			rows[y][x] = b
		}
	}
	return escpostest.Bits(width, rows...)
}

func BenchmarkEncodeJob(b *testing.B) {
	img := ticketImage(576, 800, 1)
	b.SetBytes(int64(576 / 8 * 800))
	b.ReportAllocs()
	for b.Loop() {
		escpos.EncodeJob(img, escpos.DefaultBandRows)
	}
}
