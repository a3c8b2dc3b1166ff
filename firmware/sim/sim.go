package sim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/protocol"
)

// ErrRefused is wrapped by errors for requests the controller answered with
// an error.
var ErrRefused = errors.New("refused by the controller")

// KioskOptions configures a simulated kiosk.
type KioskOptions struct {
	Link *link.Link
	// Folder receives one text file per printed ticket.
	Folder string
	// CentreName and ServiceNames are printed on the ticket (Vietnamese).
	CentreName   string
	ServiceNames map[string]string
	// Location is the time zone of the printed time.
	Location *time.Location
}

// Kiosk is a ticket kiosk with a virtual printer.
type Kiosk struct {
	opts KioskOptions
}

// NewKiosk returns a kiosk printing into opts.Folder.
func NewKiosk(opts KioskOptions) (*Kiosk, error) {
	if opts.Link == nil {
		return nil, errors.New("sim.NewKiosk: Link is required")
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if err := os.MkdirAll(opts.Folder, 0o755); err != nil {
		return nil, fmt.Errorf("create ticket folder: %w", err)
	}
	return &Kiosk{opts: opts}, nil
}

// Take asks for a ticket of service, prints it and confirms it printed,
// as a real kiosk does: the controller holds the ticket, calling nobody
// for it, until the confirmation comes. A ticket the virtual printer could
// not write is voided. It waits for the controller's replies as long as
// ctx allows; the requests stay in the link's outbox either way.
func (k *Kiosk) Take(ctx context.Context, service string, p protocol.Priority) (protocol.Ticket, error) {
	r, err := k.opts.Link.Request(ctx, protocol.Request{Op: protocol.OpTicket, Service: service, Priority: p, Lang: "vi", Hold: true})
	if err != nil {
		return protocol.Ticket{}, err
	}
	if !r.OK {
		return protocol.Ticket{}, fmt.Errorf("ticket for %s: %w: %w", service, ErrRefused, r.Error)
	}
	t := *r.Ticket
	confirm := protocol.Request{Key: r.Key + ".printed", Op: protocol.OpPrinted, Ticket: t.Number}
	printErr := k.print(t)
	if printErr != nil {
		confirm = protocol.Request{Key: r.Key + ".void", Op: protocol.OpVoid, Ticket: t.Number, Reason: "the virtual printer failed"}
	}
	c, err := k.opts.Link.Request(ctx, confirm)
	switch {
	case err != nil:
		return t, fmt.Errorf("%s of ticket %s: %w", confirm.Op, t.Number, err)
	case !c.OK:
		return t, fmt.Errorf("%s of ticket %s: %w: %w", confirm.Op, t.Number, ErrRefused, c.Error)
	}
	return t, printErr
}

// Text is a ticket as the virtual printer lays it out.
func (k *Kiosk) Text(t protocol.Ticket) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", strings.ToUpper(k.opts.CentreName))
	fmt.Fprintf(&b, "PHIẾU SỐ THỨ TỰ\n")
	name := k.opts.ServiceNames[t.Service]
	if name == "" {
		name = t.Service
	}
	fmt.Fprintf(&b, "%s\n\n", name)
	fmt.Fprintf(&b, "        %s\n\n", t.Number)
	if t.Priority != protocol.PriorityNone {
		fmt.Fprintf(&b, "ƯU TIÊN\n")
	}
	fmt.Fprintf(&b, "Số người đang chờ: %d\n", t.Ahead)
	fmt.Fprintf(&b, "Thời gian chờ dự kiến: %d phút\n", (t.WaitSeconds+59)/60)
	fmt.Fprintf(&b, "%s\n", t.Issued.In(k.opts.Location).Format("15:04 02/01/2006"))
	fmt.Fprintf(&b, "Mã tra cứu: %s\n", t.Token)
	return b.String()
}

func (k *Kiosk) print(t protocol.Ticket) error {
	name := filepath.Join(k.opts.Folder, t.Day+"-"+t.Number+".txt")
	if err := os.WriteFile(name, []byte(k.Text(t)), 0o644); err != nil {
		return fmt.Errorf("print ticket %s: %w", t.Number, err)
	}
	return nil
}

// Counter is a counter terminal.
type Counter struct {
	link *link.Link
}

// NewCounter returns a counter terminal on l.
func NewCounter(l *link.Link) *Counter { return &Counter{link: l} }

// Do sends a counter command and waits for its reply. A refused command is
// an error wrapping ErrRefused; the reply is returned as well.
func (c *Counter) Do(ctx context.Context, req protocol.Request) (protocol.Reply, error) {
	r, err := c.link.Request(ctx, req)
	if err != nil {
		return r, err
	}
	if !r.OK {
		return r, fmt.Errorf("%s: %w: %w", req.Op, ErrRefused, r.Error)
	}
	return r, nil
}
