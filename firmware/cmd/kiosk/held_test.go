package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store/storetest"
	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
	"github.com/sothutu/sothutu/protocol"
)

// TestMain lets the test binary run as the kiosk program, so that the
// crash tests kill a real kiosk process and start it again on its state.
func TestMain(m *testing.M) {
	if os.Getenv("SOTHUTU_RUN_KIOSK") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// ticketsOf returns the number, state and outcome of every ticket of the
// store.
func ticketsOf(t testing.TB, c *centretest.Centre) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, ticket := range storetest.Tickets(t, c.Store) {
		out[ticket.Number] = [2]string{string(ticket.State), string(ticket.Outcome)}
	}
	return out
}

// held counts the tickets the controller holds for their kiosk.
func held(t testing.TB, c *centretest.Centre) int {
	n := 0
	for _, so := range ticketsOf(t, c) {
		if so[0] == string(engine.Held) {
			n++
		}
	}
	return n
}

// callNext has counter 1 (services A and B) call its next ticket; "" when
// nobody is called.
func callNext(t testing.TB, c *centretest.Centre) string {
	t.Helper()
	r, err := c.Controller().Do(context.Background(), engine.Actor{Device: "counter-1", Kind: protocol.DeviceCounter, Counter: "1"},
		protocol.Request{Key: fmt.Sprintf("next-%d", time.Now().UnixNano()), Op: protocol.OpCallNext})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Ticket == nil {
		return ""
	}
	return r.Ticket.Number
}

// trimmed is img without its blank rows at the top and the bottom.
func trimmed(img *image.Gray) [][]byte {
	var rows [][]byte
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		rows = append(rows, img.Pix[img.PixOffset(img.Rect.Min.X, y):][:img.Rect.Dx()])
	}
	blank := func(r []byte) bool { return bytes.Count(r, []byte{0xFF}) == len(r) }
	for len(rows) > 0 && blank(rows[0]) {
		rows = rows[1:]
	}
	for len(rows) > 0 && blank(rows[len(rows)-1]) {
		rows = rows[:len(rows)-1]
	}
	return rows
}

// endsWith reports whether paper, as the printer double cut it, ends with
// the whole of want: a half ticket printed before may stand above it, as
// on a real printer whose job broke off.
func endsWith(paper *image.Gray, want *image.Gray) bool {
	if paper == nil || paper.Rect.Dx() != want.Rect.Dx() {
		return false
	}
	p, w := trimmed(paper), trimmed(want)
	if len(w) == 0 || len(p) < len(w) {
		return false
	}
	p = p[len(p)-len(w):]
	for i := range w {
		if !bytes.Equal(p[i], w[i]) {
			return false
		}
	}
	return true
}

// audit checks that every ticket the controller would call is one the
// printer double printed in full, once, and that it printed in full no
// ticket the controller will not call; given are the tickets the kiosk
// gave out, by number.
func audit(t *testing.T, c *centretest.Centre, cfg *config, paper *escpostest.Device, given map[string]protocol.Ticket) {
	t.Helper()
	layouts, err := newLayouts(cfg.layout())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, s := range c.Config.Services {
		names[s.ID] = s.Name.VI
	}
	renders := map[string][]*image.Gray{} // by number: as first printed, as a reprint
	for n, tk := range given {
		for _, reprint := range []bool{false, true} {
			img, err := layouts.Render(tk, names[tk.Service], reprint)
			if err != nil {
				t.Fatal(err)
			}
			renders[n] = append(renders[n], img)
		}
	}
	printed := map[string]int{}
	for i, cut := range paper.Tickets() {
		found := ""
		for n, imgs := range renders {
			for _, img := range imgs {
				if endsWith(cut.Image, img) {
					found = n
				}
			}
		}
		if found == "" {
			t.Errorf("printed ticket %d is none of the tickets given out %v, or not whole", i, keys(given))
			continue
		}
		printed[found]++
	}
	callable := 0
	for n, so := range ticketsOf(t, c) {
		counted := so[0] != string(engine.Held) && so[1] != string(engine.Voided)
		if counted {
			callable++
		}
		switch {
		case counted && printed[n] != 1:
			t.Errorf("%s is %s/%s at the controller but printed in full %d times", n, so[0], so[1], printed[n])
		case !counted && printed[n] != 0:
			t.Errorf("%s is %s/%s at the controller, never called, but printed in full", n, so[0], so[1])
		case so[0] == string(engine.Held):
			t.Errorf("%s still held", n)
		}
	}
	s, err := c.Controller().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Totals.Issued != callable {
		t.Errorf("the day's figures count %d issued, the store %d callable", s.Totals.Issued, callable)
	}
	if err := paper.Err(); err != nil {
		t.Errorf("the printer saw bad ESC/POS: %v", err)
	}
}

func keys(m map[string]protocol.Ticket) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// armed runs f once, on the first printer command for which when returns
// true, while the printer double waits.
func armed(paper *escpostest.Device, when func(cmd string) bool, f func()) {
	var once sync.Once
	paper.OnCommand(func(cmd string) {
		if when(cmd) {
			once.Do(f)
		}
	})
}

// Paper runs out after the kiosk's last query and before the job: the
// number issued is held, never called, reprinted once the paper is back,
// and only then callable.
func TestPaperOutBetweenPolls(t *testing.T) {
	e := startKiosk(t)
	armed(e.paper, func(cmd string) bool { return cmd == "DLE EOT 1" && held(t, e.centre) > 0 },
		func() { e.paper.SetStatus(escpostest.PaperOut) })
	a := press(t, e.url, "A")
	if a.Issued == nil || a.Issued.Printed {
		t.Fatalf("take: %+v, want a number not printed", a)
	}
	number := a.Issued.Ticket.Number
	if n := len(e.paper.Tickets()); n != 0 {
		t.Fatalf("%d tickets printed with the paper out", n)
	}
	if so := ticketsOf(t, e.centre)[number]; so[0] != string(engine.Held) {
		t.Errorf("%s is %v at the controller, want held", number, so)
	}
	if n := callNext(t, e.centre); n != "" {
		t.Errorf("counter 1 called %s while %s is held", n, number)
	}
	eventually(t, "the kiosk's health a fault naming the ticket", func() bool {
		h := e.ctl.Devices()["kiosk-1"].Health
		return h != nil && h.Status == protocol.HealthFault && bytes.Contains([]byte(h.LastError), []byte(number))
	})

	e.paper.SetStatus(escpostest.Ready) // a new roll
	eventually(t, number+" reprinted by itself", func() bool { return len(e.paper.Tickets()) == 1 })
	eventually(t, number+" confirmed", func() bool { return held(t, e.centre) == 0 })
	eventually(t, "the health clear", func() bool {
		h := e.ctl.Devices()["kiosk-1"].Health
		return h != nil && h.Status == protocol.HealthOK && h.LastError == ""
	})
	audit(t, e.centre, e.cfg, e.paper, lastTickets(t, e.centre))
	if n := callNext(t, e.centre); n != number {
		t.Errorf("counter 1 called %q, want %s", n, number)
	}
}

// A printer that closes the connection in the middle of a ticket: the
// ticket is not taken for printed, the health says so, and it is reprinted
// once the printer is back.
func TestPrinterClosesMidJob(t *testing.T) {
	e := startKiosk(t)
	before, _ := e.take(t, "B") // a whole ticket first
	// The printer drops the connection after the first band and answers
	// nothing for a while, as one restarting does.
	armed(e.paper, func(cmd string) bool { return strings.HasPrefix(cmd, "GS v 0") && len(e.paper.Tickets()) == 1 },
		func() { e.paper.SetMute(true); e.wire.cut() })
	a := press(t, e.url, "A")
	if a.Issued == nil || a.Issued.Printed {
		t.Fatalf("take: %+v, want a number not printed", a)
	}
	number := a.Issued.Ticket.Number
	var h *protocol.Health
	eventually(t, "the kiosk's health a fault naming "+number, func() bool {
		h = e.ctl.Devices()["kiosk-1"].Health
		return h != nil && h.Status == protocol.HealthFault && strings.Contains(h.LastError, number)
	}, func() { t.Logf("health %+v", h) })
	if so := ticketsOf(t, e.centre)[number]; so[0] != string(engine.Held) {
		t.Errorf("%s is %v at the controller, want held", number, so)
	}
	if n := callNext(t, e.centre); n != before {
		t.Errorf("counter 1 called %q, want %s, the one printed", n, before)
	}
	e.paper.SetMute(false) // back
	eventually(t, "the reprint after the printer came back", func() bool { return len(e.paper.Tickets()) == 2 })
	eventually(t, "nothing held", func() bool { return held(t, e.centre) == 0 })
	eventually(t, "the health clear", func() bool {
		h := e.ctl.Devices()["kiosk-1"].Health
		return h != nil && h.Status == protocol.HealthOK && h.LastError == ""
	})
	if n := callNext(t, e.centre); n != number {
		t.Errorf("counter 1 called %q, want %s once reprinted", n, number)
	}
	if next, _ := e.take(t, "B"); next == before || next == number {
		t.Errorf("the next ticket %s repeats a number", next)
	}
	audit(t, e.centre, e.cfg, e.paper, lastTickets(t, e.centre))
}

// lastTickets returns the tickets of the kiosk's replies kept by the
// controller, by number: what the kiosk was given.
func lastTickets(t testing.TB, c *centretest.Centre) map[string]protocol.Ticket {
	t.Helper()
	out := map[string]protocol.Ticket{}
	for _, r := range storetest.Replies(t, c.Store, "kiosk-1") {
		if r.Op == protocol.OpTicket && r.Ticket != nil {
			out[r.Ticket.Number] = *r.Ticket
		}
	}
	return out
}

// kioskProcess is the kiosk program in a process of its own, started
// again on the same state folder as often as it is killed.
type kioskProcess struct {
	t      *testing.T
	config string
	url    string
	log    *os.File
	cmd    *exec.Cmd
	done   chan struct{}
}

func newKioskProcess(t *testing.T, c *centretest.Centre, addr string) (*kioskProcess, *config) {
	touch := freeAddr(t)
	yaml, cfg := kioskConfig(t, c, addr, filepath.Join(c.Dir, "kiosk"), touch)
	// No GPIO off a Raspberry Pi: a touch screen only.
	var lines []string
	for _, l := range strings.Split(yaml, "\n") {
		if !strings.HasPrefix(l, "buttons:") && !strings.Contains(l, "{pin:") {
			lines = append(lines, l)
		}
	}
	yaml = strings.Join(lines, "\n")
	path := filepath.Join(c.Dir, "kiosk.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(c.Dir, "kiosk.log"))
	if err != nil {
		t.Fatal(err)
	}
	p := &kioskProcess{t: t, config: path, url: "http://" + touch, log: log}
	t.Cleanup(func() {
		p.kill()
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("kiosk's log:\n%s", b)
		}
	})
	return p, cfg
}

func (p *kioskProcess) start() {
	p.t.Helper()
	cmd := exec.Command(os.Args[0], "-config", p.config)
	cmd.Env = append(os.Environ(), "SOTHUTU_RUN_KIOSK=1")
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(p.done) }()
}

// kill kills the kiosk with SIGKILL, as a power cut does, and waits for
// it to be gone.
func (p *kioskProcess) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}

// The kiosk is killed between the controller's reply and the first byte
// of the ticket's image, and started again on its state: the ticket is
// printed then (marked as a reprint) and callable; nothing stays held.
func TestKilledBeforePrinting(t *testing.T) {
	k := startKillable(t)
	c, paper, wire, p, cfg := k.centre, k.paper, k.wire, k.process, k.cfg

	given := killAtJob(t, p, paper, wire)
	if given.Number == "" {
		t.Fatal("the kiosk's page did not show the ticket it was printing")
	}
	if n := len(paper.Tickets()); n != 0 {
		t.Fatalf("%d tickets printed before the kill", n)
	}
	p.start()
	eventually(t, given.Number+" printed after the restart", func() bool { return len(paper.Tickets()) == 1 })
	eventually(t, "nothing held", func() bool { return held(t, c) == 0 })
	audit(t, c, cfg, paper, map[string]protocol.Ticket{given.Number: given})
	if n := callNext(t, c); n != given.Number {
		t.Errorf("counter 1 called %q, want %s", n, given.Number)
	}
}

// An offline ticket journalled, the kiosk killed before it printed, then
// started again: the ticket is printed, then handed over.
func TestOfflineKilledBeforePrinting(t *testing.T) {
	k := startKillable(t)
	c, paper, wire, p, cfg := k.centre, k.paper, k.wire, k.process, k.cfg
	c.Stop()
	eventually(t, "the kiosk offline", func() bool {
		st, err := pageState(p.url)
		return err == nil && !st.Online
	})

	given := killAtJob(t, p, paper, wire)
	if given.Number == "" || given.Number[1:] != "900" {
		t.Fatalf("the kiosk was printing %q, want offline A900", given.Number)
	}
	p.start()
	eventually(t, given.Number+" printed after the restart", func() bool { return len(paper.Tickets()) == 1 })
	c.Restart()
	eventually(t, given.Number+" handed over", func() bool { _, ok := ticketsOf(t, c)[given.Number]; return ok })
	audit(t, c, cfg, paper, map[string]protocol.Ticket{given.Number: given})
}

// killable is what the kill tests start with: a controller, a printer on
// TCP and the kiosk's program on them, its page ready.
type killable struct {
	centre  *centretest.Centre
	paper   *escpostest.Device
	wire    *printerWire
	process *kioskProcess
	cfg     *config
}

func startKillable(t *testing.T) killable {
	t.Helper()
	needFont(t)
	k := killable{centre: centretest.Start(t, centretest.Options{Logger: quiet}), paper: escpostest.NewDevice(576)}
	k.wire = servePrinter(t, k.paper)
	k.process, k.cfg = newKioskProcess(t, k.centre, k.wire.addr)
	k.process.start()
	waitReady(t, k.process.url)
	return k
}

// killAtJob presses A on the kiosk's touch page and kills the kiosk as
// its job reaches the printer, before the first byte of the image; it
// returns the ticket the page showed then.
func killAtJob(t *testing.T, p *kioskProcess, paper *escpostest.Device, wire *printerWire) protocol.Ticket {
	t.Helper()
	var given protocol.Ticket
	killed := make(chan struct{})
	armed(paper, func(cmd string) bool { return cmd == "ESC @" }, func() {
		if st, err := pageState(p.url); err == nil && st.Last != nil {
			given = st.Last.Ticket
		}
		p.kill()
		wire.cut()
		close(killed)
	})
	var press sync.WaitGroup
	defer press.Wait()
	press.Go(func() {
		// Never answered: the kiosk dies first.
		if r, err := http.Post(p.url+"/api/take", "application/json", strings.NewReader(`{"service":"A","lang":"vi"}`)); err == nil {
			r.Body.Close()
		}
	})
	select {
	case <-killed:
	case <-time.After(15 * time.Second):
		t.Fatal("the kiosk printed nothing within 15s")
	}
	paper.OnCommand(nil)
	return given
}
