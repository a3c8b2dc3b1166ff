package engine

import (
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// State is where a ticket is in its visit.
type State string

// Ticket states.
const (
	// Held is a ticket numbered for a kiosk that will confirm it reached
	// the citizen (protocol.Request.Hold): in no queue, counted nowhere,
	// until the kiosk's printed makes it Waiting, or its void or the hold's
	// end makes it Done as Voided.
	Held    State = "held"
	Waiting State = "waiting" // in a service queue, or waiting for a named counter
	Called  State = "called"  // current ticket of a counter
	Parked  State = "parked"  // set aside at a counter, to be recalled
	Done    State = "done"    // the visit ended; see Outcome
)

// Outcome is how a visit ended.
type Outcome string

// Outcomes of a visit.
const (
	Served Outcome = "served"
	NoShow Outcome = "no_show"
	Reset  Outcome = "reset" // still open at the end of the day
	// Replaced ends a ticket whose kiosk gave up waiting for it and printed
	// an offline ticket for the same citizen instead.
	Replaced Outcome = "replaced"
	// Voided ends a held ticket that never reached a citizen: its kiosk
	// gave up printing it, or did not confirm it within Rules.HoldFor.
	// Nobody holds it, so no report or figure counts it.
	Voided Outcome = "voided"
)

// Ticket is one citizen's visit.
type Ticket struct {
	ID       int64
	Day      string // local date of the number
	Number   string
	Service  string // current service; changes on transfer
	Priority protocol.Priority
	Lang     string
	Token    string
	Kiosk    string // device that issued it

	Issued  time.Time // when the citizen took the ticket
	Arrived time.Time // fairness time: Issued, kept across transfers
	Queued  time.Time // when it entered its current queue

	State     State
	Counter   string // calling, serving or parking counter; last counter once done
	ToCounter string // while waiting: only this counter may call it (transfer to a counter)
	Called    time.Time
	Calls     int // times called, counting call again and recalls
	Finished  time.Time
	Outcome   Outcome
	Rating    protocol.Rating

	// Told at issue time.
	Ahead int
	Wait  time.Duration
}

func (t *Ticket) priority() bool { return t.Priority != protocol.PriorityNone }

// promised is the wait printed on t while it is a promise still to keep:
// 0 once t was called or transferred.
func (t *Ticket) promised() time.Duration {
	if t.Calls > 0 || !t.Arrived.Equal(t.Queued) {
		return 0
	}
	return t.Wait
}

// Counter is a counter's live state.
type Counter struct {
	ID          string
	Skills      []Skill // services served, best level first
	Status      protocol.CounterStatus
	Current     int64 // ticket id; 0 when none
	Since       time.Time
	PriorityRun int   // priority tickets called in a row
	Last        int64 // last ticket served here, for its rating
}

// Skill is a service a counter serves and at which level (1 is its main one).
type Skill struct {
	Service string `json:"service"`
	Level   int    `json:"level"`
}

// Event is one line of a ticket's history, kept for reports.
type Event struct {
	At      time.Time
	Kind    string // held, issued, voided, called, called_again, recalled, called_out_of_order, served, no_show, transferred, parked, rated, paused, resumed, reset
	Ticket  int64  // 0 for counter events
	Number  string
	Service string
	Counter string
	Actor   string // device that asked
	Detail  string
}

// Seq is a service's last running number of a day.
type Seq struct {
	Day     string
	Service string
	N       int
}

// Request is a request answered, kept so that a repeated key gets the same
// reply.
type Request struct {
	Device string
	Key    string
	At     time.Time
	Reply  protocol.Reply
}

// Batch is what changed since the last Flush: what to commit, then what to
// send.
type Batch struct {
	Tickets  []*Ticket
	Counters []*Counter
	Seqs     []Seq
	Events   []Event
	Requests []Request // replies to send, in order, and to keep

	Calls    []protocol.Call // to publish after the commit
	Services []string        // services whose state changed
	Board    bool            // the board changed
}

// Empty reports whether nothing changed.
func (b *Batch) Empty() bool {
	return len(b.Tickets) == 0 && len(b.Counters) == 0 && len(b.Seqs) == 0 &&
		len(b.Events) == 0 && len(b.Requests) == 0 && len(b.Calls) == 0 &&
		len(b.Services) == 0 && !b.Board
}

// Snapshot is the committed state Restore rebuilds an Engine from.
type Snapshot struct {
	Day      string    // the day of the last committed change
	Tickets  []*Ticket // every ticket of Day, and older ones still open
	Counters []*Counter
	Seqs     []Seq     // of Day
	Requests []Request // recent replies
	NextID   int64
}

// Actor is who sends a command: a device of the configuration, or a person
// through the controller's pages, acting for one counter.
type Actor struct {
	Device  string
	Kind    protocol.DeviceKind
	Counter string // the counter a terminal or a staff member is bound to
}
