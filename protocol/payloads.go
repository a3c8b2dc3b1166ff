package protocol

import "time"

// MaxPayload is the largest payload either side accepts, in bytes.
const MaxPayload = 8 << 10

// Op names a request.
type Op string

// Requests. OpTicket, OpOfflineTicket, OpPrinted and OpVoid come from
// kiosks, the others from counter terminals.
const (
	OpTicket     Op = "ticket"      // issue a ticket
	OpCallNext   Op = "call_next"   // complete the current ticket, if any, and call the next
	OpCallAgain  Op = "call_again"  // announce the current ticket again
	OpComplete   Op = "complete"    // the current ticket was served
	OpNoShow     Op = "no_show"     // the current ticket did not come
	OpTransfer   Op = "transfer"    // send the current ticket to another service or counter
	OpPark       Op = "park"        // set the current ticket aside at this counter
	OpRecall     Op = "recall"      // call a ticket parked at this counter
	OpCallTicket Op = "call_ticket" // call a specific waiting ticket
	OpPause      Op = "pause"       // stop receiving calls
	OpResume     Op = "resume"      // receive calls again
	OpRate       Op = "rate"        // satisfaction rating of the last ticket served

	// OpOfflineTicket hands over a ticket a kiosk numbered and printed by
	// itself, from its offline block, while it could not reach the
	// controller. The controller files it by its issue time.
	OpOfflineTicket Op = "offline_ticket"

	// OpPrinted tells the controller that a ticket issued with Hold reached
	// the citizen: printed in full, or shown on a screen where no printer
	// is used. Only then is it callable.
	OpPrinted Op = "printed"
	// OpVoid tells the controller that a held ticket will never reach the
	// citizen: the kiosk gave up printing it.
	OpVoid Op = "void"
)

// Ops lists every request operation.
var Ops = []Op{OpTicket, OpOfflineTicket, OpPrinted, OpVoid, OpCallNext, OpCallAgain, OpComplete, OpNoShow, OpTransfer,
	OpPark, OpRecall, OpCallTicket, OpPause, OpResume, OpRate}

// Priority is a citizen's priority class. Every class but PriorityNone is
// legal priority and is called before ordinary tickets within the limits of
// the controller's ordering rules.
type Priority string

// Priority classes.
const (
	PriorityNone       Priority = ""
	PriorityElderly    Priority = "elderly"
	PriorityDisability Priority = "disability"
	PriorityPregnant   Priority = "pregnant"
	PriorityYoungChild Priority = "young_child"
	PriorityVeteran    Priority = "veteran"
)

// Priorities lists every legal priority class.
var Priorities = []Priority{PriorityElderly, PriorityDisability, PriorityPregnant, PriorityYoungChild, PriorityVeteran}

// Rating is a citizen's satisfaction with the service.
type Rating string

// Ratings, best first: "Rất hài lòng / Hài lòng / Bình thường / Không hài lòng".
const (
	RatingVerySatisfied Rating = "very_satisfied"
	RatingSatisfied     Rating = "satisfied"
	RatingNeutral       Rating = "neutral"
	RatingDissatisfied  Rating = "dissatisfied"
)

// Ratings lists every rating, best first.
var Ratings = []Rating{RatingVerySatisfied, RatingSatisfied, RatingNeutral, RatingDissatisfied}

// Request is what a device publishes on its request topic. Key is chosen by
// the device and makes the request idempotent: the controller answers a
// repeated key with the reply it gave the first time and changes nothing.
type Request struct {
	V   int    `json:"v"`
	Key string `json:"key"`
	Op  Op     `json:"op"`

	// Ticket requests.
	Service  string   `json:"service,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	Lang     string   `json:"lang,omitempty"` // one of Languages; the ticket's language
	// Hold, on ticket: the kiosk will confirm with OpPrinted that the
	// ticket reached the citizen; until then the ticket is held, never
	// called, and voided if no confirmation comes in time.
	Hold bool `json:"hold,omitempty"`

	// Counter commands. Counter may be left out: the controller knows which
	// counter a terminal belongs to, and refuses any other.
	Counter   string `json:"counter,omitempty"`
	Ticket    string `json:"ticket,omitempty"`     // recall, call_ticket, printed, void: the ticket number
	ToService string `json:"to_service,omitempty"` // transfer
	ToCounter string `json:"to_counter,omitempty"` // transfer
	Rating    Rating `json:"rating,omitempty"`     // rate
	Reason    string `json:"reason,omitempty"`     // pause, no_show, void: free text for reports

	// Offline tickets: Ticket is the number printed, Issued when, and
	// Replaces the key of a ticket request the kiosk gave up waiting for
	// before it printed this one (the controller ends or refuses that
	// request so that the citizen holds one ticket only).
	Issued   time.Time `json:"issued,omitzero"`
	Replaces string    `json:"replaces,omitempty"`
}

// Reply is the controller's answer on the device's reply topic.
type Reply struct {
	V     int    `json:"v"`
	Key   string `json:"key"`
	Op    Op     `json:"op"`
	OK    bool   `json:"ok"`
	Error *Error `json:"error,omitempty"`
	// Ticket is the ticket issued, called, recalled or acted on.
	Ticket *Ticket `json:"ticket,omitempty"`
	// Counter is the counter's state after a counter command.
	Counter *CounterState `json:"counter,omitempty"`
}

// Ticket is a ticket as devices see it.
type Ticket struct {
	Number   string   `json:"number"` // "A023"
	Service  string   `json:"service"`
	Priority Priority `json:"priority,omitempty"`
	Lang     string   `json:"lang,omitempty"`
	// Ahead is the number of people before this ticket when it was issued.
	Ahead int `json:"ahead"`
	// WaitSeconds is the estimated wait at issue time.
	WaitSeconds int       `json:"wait_s"`
	Issued      time.Time `json:"issued"`
	// Day is the local date the number belongs to, "2026-11-23".
	Day string `json:"day"`
	// Token is a short code for the ticket's status link.
	Token string `json:"token"`
}

// CounterStatus is what a counter is doing.
type CounterStatus string

// Counter statuses.
const (
	CounterClosed  CounterStatus = "closed"  // nobody signed in or never used today
	CounterIdle    CounterStatus = "idle"    // open, no current ticket
	CounterServing CounterStatus = "serving" // a ticket is called or being served
	CounterPaused  CounterStatus = "paused"  // on a break
)

// CounterStatuses lists every counter status.
var CounterStatuses = []CounterStatus{CounterClosed, CounterIdle, CounterServing, CounterPaused}

// CounterState is the retained state of a counter.
type CounterState struct {
	V       int           `json:"v"`
	Counter string        `json:"counter"`
	Status  CounterStatus `json:"status"`
	Ticket  string        `json:"ticket,omitempty"`  // current ticket number
	Service string        `json:"service,omitempty"` // current ticket's service
	Since   time.Time     `json:"since,omitzero"`    // when the status or ticket last changed; absent before first use
	Parked  []string      `json:"parked,omitempty"`  // tickets parked at this counter
	// Services are the services this counter serves, best level first.
	Services []string `json:"services,omitempty"`
}

// ServiceState is the retained state of a service queue.
type ServiceState struct {
	V       int    `json:"v"`
	Service string `json:"service"`
	// Names are the service's names by language ("vi", "en", "km"), for
	// kiosks and boards.
	Names map[string]string `json:"names,omitempty"`
	// Prefix and Width make its numbers (prefix, then the running number
	// padded to Width digits): a kiosk numbers offline tickets with them.
	Prefix  string `json:"prefix,omitempty"`
	Width   int    `json:"width,omitempty"`
	Waiting int    `json:"waiting"`
	// LongestWaitSeconds is how long the first ticket in line has waited.
	LongestWaitSeconds int `json:"longest_wait_s"`
	// WaitSeconds is the wait a ticket issued now is told.
	WaitSeconds int       `json:"wait_s"`
	Issued      int       `json:"issued"` // tickets issued today
	Served      int       `json:"served"` // tickets served today
	At          time.Time `json:"at"`
}

// Call is one call of a ticket to a counter.
type Call struct {
	V       int       `json:"v"`
	Ticket  string    `json:"ticket"`
	Service string    `json:"service"`
	Counter string    `json:"counter"`
	At      time.Time `json:"at"`
	// Repeat is 0 for the first call and counts each call again.
	Repeat int `json:"repeat,omitempty"`
}

// BoardState is the retained state of the hall board. Its lists are always
// present on the wire, [] when empty, and each holds at most MaxBoardCalls.
type BoardState struct {
	V int `json:"v"`
	// Current holds the latest call of each serving counter, newest first.
	Current []Call `json:"current"`
	// Recent holds the latest calls, newest first.
	Recent []Call    `json:"recent"`
	At     time.Time `json:"at"`
}

// ControllerState is the controller's retained status. Its last will has
// Online false.
type ControllerState struct {
	V       int       `json:"v"`
	Online  bool      `json:"online"`
	Version string    `json:"version,omitempty"`
	Started time.Time `json:"started,omitzero"`
	Day     string    `json:"day,omitempty"`
}

// AdviceState is the controller's retained advice to the centre's manager:
// the counter moves it proposes now. An empty list means none is needed.
type AdviceState struct {
	V     int       `json:"v"`
	At    time.Time `json:"at"`
	Moves []Move    `json:"moves"`
}

// AlertState is the controller's retained list of the centre's alerts still
// open: what a manager should look at now. An empty list means none.
type AlertState struct {
	V      int       `json:"v"`
	At     time.Time `json:"at"`
	Alerts []Alert   `json:"alerts"`
}

// AlertKind says what an alert is about.
type AlertKind string

// Alert kinds.
const (
	// AlertWait: a service's longest wait is over its target; Subject is the service.
	AlertWait AlertKind = "wait_over_target"
	// AlertIdle: a counter is idle while its services have people waiting;
	// Subject is the counter.
	AlertIdle AlertKind = "idle_while_waiting"
	// AlertOffline: a device of the configuration is offline; Subject is the device.
	AlertOffline AlertKind = "device_offline"
	// AlertPaperLow and AlertPaperOut: a kiosk's printer; Subject is the kiosk.
	AlertPaperLow AlertKind = "paper_low"
	AlertPaperOut AlertKind = "paper_out"
	// AlertPrinterOffline: a kiosk's printer does not answer; AlertPrinterFault:
	// it answers with its cover open or an error. Subject is the kiosk.
	AlertPrinterOffline AlertKind = "printer_offline"
	AlertPrinterFault   AlertKind = "printer_fault"
)

// AlertKinds lists every alert kind.
var AlertKinds = []AlertKind{AlertWait, AlertIdle, AlertOffline, AlertPaperLow, AlertPaperOut,
	AlertPrinterOffline, AlertPrinterFault}

// Alert is one open alert. ID identifies it in the controller's store; it
// stays the same while the alert is open.
type Alert struct {
	ID      int64     `json:"id"`
	Kind    AlertKind `json:"kind"`
	Subject string    `json:"subject"`
	Since   time.Time `json:"since"`
	// Detail is a short text for people, in English: "longest wait 41 min, target 30 min".
	Detail string `json:"detail,omitempty"`
}

// Move is one counter move: serve Service first, or, with Return, go back to
// the counter's configured services.
type Move struct {
	Counter string `json:"counter"`
	Service string `json:"service,omitempty"`
	Return  bool   `json:"return,omitempty"`
	// Services are the counter's services after the move, main one first.
	Services []string `json:"services"`
	// WaitSeconds is the predicted wait of a ticket of Service taken now,
	// AfterSeconds the same with the move made, TargetSeconds its target.
	WaitSeconds   int `json:"wait_s"`
	AfterSeconds  int `json:"after_s"`
	TargetSeconds int `json:"target_s"`
}

// DeviceKind is the class of a device.
type DeviceKind string

// Device kinds.
const (
	DeviceKiosk   DeviceKind = "kiosk"
	DeviceCounter DeviceKind = "counter"
	DeviceBoard   DeviceKind = "board"
)

// Presence is a device's retained birth (Online true) or its last will
// (Online false). Seq increases with every connection of the device, across
// restarts: a presence with a lower Seq than one already seen is stale, so a
// late last will never hides a newer birth.
type Presence struct {
	V        int        `json:"v"`
	Device   string     `json:"device"`
	Kind     DeviceKind `json:"kind"`
	Online   bool       `json:"online"`
	Seq      uint64     `json:"seq"`
	Firmware string     `json:"firmware,omitempty"`
	Health   *Health    `json:"health,omitempty"`
	At       time.Time  `json:"at,omitzero"`
}

// HealthStatus sums up a device's health.
type HealthStatus string

// Health statuses.
const (
	HealthOK       HealthStatus = "ok"
	HealthDegraded HealthStatus = "degraded" // works, needs attention soon (paper low)
	HealthFault    HealthStatus = "fault"    // cannot do its job (paper out, printer offline)
)

// HealthStatuses lists every health status.
var HealthStatuses = []HealthStatus{HealthOK, HealthDegraded, HealthFault}

// Printer states a kiosk reports.
const (
	PrinterOK       = "ok"
	PrinterPaperLow = "paper_low"
	PrinterPaperOut = "paper_out"
	PrinterCover    = "cover_open"
	PrinterOffline  = "offline"
	PrinterError    = "error"
)

// PrinterStates lists every printer state.
var PrinterStates = []string{PrinterOK, PrinterPaperLow, PrinterPaperOut, PrinterCover, PrinterOffline, PrinterError}

// Health is a device's own account of itself.
type Health struct {
	Status        HealthStatus `json:"status"`
	UptimeSeconds int64        `json:"uptime_s"`
	Printer       string       `json:"printer,omitempty"`
	LastError     string       `json:"last_error,omitempty"`
}
