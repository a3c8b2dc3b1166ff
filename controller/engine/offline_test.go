package engine_test

import (
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// offlineBench is a bench whose kiosk-1 owns the offline block 5-7.
func offlineBench(t *testing.T) *bench {
	b := newBench(t)
	c := centre()
	c.Devices = []config.Device{{ID: "kiosk-1", Kind: protocol.DeviceKiosk, Offline: &config.Block{From: 5, To: 7}}}
	b.e = engine.New(engine.Options{Centre: c, Secret: []byte("s")})
	return b
}

func TestOnlineNumbersSkipOfflineBlocks(t *testing.T) {
	b := offlineBench(t)
	var got []string
	for range 6 {
		got = append(got, b.issue("A", ""))
	}
	want := []string{"A001", "A002", "A003", "A004", "A008", "A009"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("numbers %v, want %v", got, want)
		}
	}
}

// An offline ticket joins its queue by its issue time.
func TestOfflineTicketMergedByIssueTime(t *testing.T) {
	b := offlineBench(t)
	issued := b.now.Add(time.Second) // before the next online ticket
	b.now = b.now.Add(10 * time.Minute)
	b.issue("A", "") // A001, issued after the offline one
	r := b.do(kiosk, protocol.Request{Op: protocol.OpOfflineTicket, Service: "A", Ticket: "A005", Issued: issued})
	if !r.OK || r.Ticket.Number != "A005" || !r.Ticket.Issued.Equal(issued) {
		t.Fatalf("offline ticket: %+v", r)
	}
	if got := b.call("1", protocol.OpCallNext); got != "A005" {
		t.Errorf("first called %s, want A005 issued earlier offline", got)
	}
	if got := b.call("1", protocol.OpCallNext); got != "A001" {
		t.Errorf("then called %s, want A001", got)
	}
	// The same number again is refused: the numbers never collide.
	r = b.do(kiosk, protocol.Request{Op: protocol.OpOfflineTicket, Service: "A", Ticket: "A005", Issued: issued})
	if r.OK || r.Error.Code != protocol.CodeConflict {
		t.Errorf("number given twice: %+v", r)
	}
	// A ticket of an earlier day cannot be served any more.
	r = b.do(kiosk, protocol.Request{Op: protocol.OpOfflineTicket, Service: "A", Ticket: "A006", Issued: issued.Add(-24 * time.Hour)})
	if r.OK || r.Error.Code != protocol.CodeConflict {
		t.Errorf("ticket of yesterday: %+v", r)
	}
}

// A kiosk that gave up waiting and printed an offline ticket leaves the
// citizen with one ticket, whichever request the controller sees first.
func TestOfflineTicketReplacesAbandonedRequest(t *testing.T) {
	t.Run("request seen first", func(t *testing.T) {
		b := offlineBench(t)
		online := b.do(kiosk, protocol.Request{Key: "press-1", Op: protocol.OpTicket, Service: "A"})
		r := b.do(kiosk, protocol.Request{Op: protocol.OpOfflineTicket, Service: "A", Ticket: "A005", Issued: b.now, Replaces: "press-1"})
		if !r.OK {
			t.Fatalf("offline: %+v", r)
		}
		if got := b.call("1", protocol.OpCallNext); got != "A005" {
			t.Errorf("called %s, want A005, not the replaced %s", got, online.Ticket.Number)
		}
		if got := b.call("1", protocol.OpCallNext); got != "" {
			t.Errorf("called %s, want nobody", got)
		}
	})
	t.Run("request seen late", func(t *testing.T) {
		b := offlineBench(t)
		b.do(kiosk, protocol.Request{Op: protocol.OpOfflineTicket, Service: "A", Ticket: "A005", Issued: b.now, Replaces: "press-1"})
		late := b.do(kiosk, protocol.Request{Key: "press-1", Op: protocol.OpTicket, Service: "A"})
		if late.OK || late.Error.Code != protocol.CodeConflict {
			t.Errorf("late request: %+v, want refused as replaced", late)
		}
		if st := b.e.ServiceState("A", b.now); st.Waiting != 1 || st.Names["vi"] != "Đất đai" {
			t.Errorf("service state %+v", st)
		}
	})
}
