package escpos_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
	"github.com/sothutu/sothutu/firmware/ticket"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

// TestPrintClosedMidJob: a printer that closes the connection (or whose
// cable is pulled) halfway through a ticket must not read as printed.
func TestPrintClosedMidJob(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, tr, 576, escpos.Options{Timeout: 500 * time.Millisecond})
			bands := 0
			r.dev.OnCommand(func(cmd string) {
				if strings.HasPrefix(cmd, "GS v 0") {
					if bands++; bands == 3 {
						r.cut()
					}
				}
			})
			err := r.p.Print(t.Context(), ticketImage(576, 2000, 7))
			if !errors.Is(err, escpos.ErrJobIncomplete) || !errors.Is(err, escpos.ErrOffline) {
				t.Fatalf("Print = %v, want ErrJobIncomplete and ErrOffline", err)
			}
			if tk := r.dev.Tickets(); len(tk) != 0 {
				t.Errorf("%d tickets cut", len(tk))
			}
		})
	}
}

// TestPrintNeverConfirmed: a printer that takes the job and never answers
// GS r fails the job once its time limit is up, not before and not much
// after; with ConfirmDrain the same printer prints.
func TestPrintNeverConfirmed(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			r := newRig(t, tr, 384, escpos.Options{Timeout: 300 * time.Millisecond})
			r.dev.SetNoTransmitStatus(true)
			img := ticketImage(384, 200, 8)
			limit := escpos.JobLimit(r.p, img)
			start := time.Now()
			err := r.p.Print(t.Context(), img)
			took := time.Since(start)
			if !errors.Is(err, escpos.ErrJobIncomplete) {
				t.Fatalf("Print = %v, want ErrJobIncomplete", err)
			}
			if took < limit || took > limit+time.Second {
				t.Errorf("failed after %v; the job's limit is %v", took, limit)
			}
			// The printer is fine otherwise: a status query still works.
			if st, err := r.p.Status(t.Context()); err != nil || st.State() != protocol.PrinterOK {
				t.Errorf("Status after = %+v, %v", st, err)
			}
		})
	}
	t.Run("drain", func(t *testing.T) {
		r := newRig(t, escpos.TransportTCP, 384, escpos.Options{Timeout: 300 * time.Millisecond, Confirm: escpos.ConfirmDrain})
		r.dev.SetNoTransmitStatus(true)
		img := ticketImage(384, 40, 9)
		if err := r.p.Print(t.Context(), img); err != nil {
			t.Fatal(err)
		}
		if tk := r.dev.Tickets(); len(tk) != 1 || !samePixels(tk[0].Image, img) {
			t.Errorf("tickets %+v", tk)
		}
		// The cover opened as the ticket was cut: not taken for printed.
		r.dev.OnCommand(func(cmd string) {
			if strings.HasPrefix(cmd, "GS V") {
				r.dev.SetStatus(escpostest.CoverOpen)
			}
		})
		if err := r.p.Print(t.Context(), img); !errors.Is(err, escpos.ErrJobIncomplete) || !errors.Is(err, escpos.ErrCoverOpen) {
			t.Errorf("cover opened: Print = %v, want ErrJobIncomplete and ErrCoverOpen", err)
		}
	})
}

// TestLateStatusAnswer: an answer that comes after its query timed out is
// not the answer to the next query.
func TestLateStatusAnswer(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			const timeout = 200 * time.Millisecond
			r := newRig(t, tr, 384, escpos.Options{Timeout: timeout})
			r.dev.SetStatus(escpostest.CoverOpen)
			r.dev.SetDelay(timeout + timeout/2)
			if _, err := r.p.Status(t.Context()); !errors.Is(err, escpos.ErrOffline) {
				t.Fatalf("late answer: Status = %v, want ErrOffline", err)
			}
			r.dev.SetDelay(0)
			r.dev.SetStatus(escpostest.Ready) // the cover is shut now
			for i := range 3 {
				if st, err := r.p.Status(t.Context()); err != nil || st.State() != protocol.PrinterOK {
					t.Fatalf("query %d after the late answer: %+v (%s), %v; want ok", i, st, st.State(), err)
				}
			}
			img := ticketImage(384, 30, 10)
			if err := r.p.Print(t.Context(), img); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPrintSerial9600 prints a whole ordinary ticket over a pseudo-terminal
// read at 9,600 baud: the job takes the line's time and is confirmed
// within its limit.
func TestPrintSerial9600(t *testing.T) {
	if testing.Short() {
		t.Skip("takes the 15 s a 9,600 baud line needs for a ticket")
	}
	for _, path := range []string{ticket.DefaultFontPath, ticket.DefaultBoldFontPath} {
		servertest.File(t, path, "apt-get install -y fonts-dejavu-core")
	}
	rend, err := ticket.NewRenderer(ticket.Layout{PaperDots: ticket.Paper58mm,
		CentreName:  "Trung tâm Phục vụ hành chính công phường Ninh Kiều",
		ServiceName: "Đăng ký kinh doanh", StatusURL: "http://192.168.1.10:8080/t/%s", Lang: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	img, err := rend.Render(protocol.Ticket{Number: "A023", Service: "A", Lang: "vi", Ahead: 17, WaitSeconds: 690,
		Issued: time.Date(2026, 11, 23, 1, 15, 0, 0, time.UTC), Token: "x7kp2qab3c"}, false)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, escpos.TransportSerial, 384, escpos.Options{Baud: 9600})
	var once sync.Once
	started := time.Now()
	r.dev.OnCommand(func(cmd string) {
		if cmd == "ESC @" {
			once.Do(func() { started = time.Now() })
		}
	})
	limit := escpos.JobLimit(r.p, img)
	line := escpos.SendTime(escpos.JobBytes(img), 9600)
	if err := r.p.Print(t.Context(), img); err != nil {
		t.Fatal(err)
	}
	took := time.Since(started)
	t.Logf("%d bytes: %v on the line, confirmed after %v, limit %v", escpos.JobBytes(img), line.Round(time.Millisecond), took.Round(time.Millisecond), limit.Round(time.Millisecond))
	if took < line*9/10 || took > limit {
		t.Errorf("confirmed after %v: the line needs %v and the limit is %v", took, line, limit)
	}
	tk := r.dev.Tickets()
	if len(tk) != 1 || tk[0].Image.Rect != img.Rect {
		t.Fatalf("%d tickets; want the one sent", len(tk))
	}
	// Each dot cleared so as not to read as a real-time command is missing.
	_, _, guarded := escpos.EncodeJob(img, escpos.DefaultBandRows)
	differ := 0
	for i := range img.Pix {
		if img.Pix[i] != tk[0].Image.Pix[i] {
			differ++
		}
	}
	if differ != guarded {
		t.Errorf("%d dots differ from the ticket sent; %d were cleared", differ, guarded)
	}
}
