package protocol

import (
	"slices"
	"strings"
	"time"
)

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

// Languages a ticket may be printed and announced in.
var Languages = []string{"vi", "en", "km"}

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

const maxReason = 200

// requestRule is what one op asks of a request's fields. The fields it
// needs are checked first, then those it allows when they are given, in
// the order listed: the first refusal is the one reported. Every other
// field must be left out.
type requestRule struct {
	needs, allows []string
	// oneOf, when set, names two allowed fields of which exactly one is
	// given; it is checked before the others.
	oneOf [2]string
}

// requestRules holds the rule of every op. Kiosks act for no counter, so
// only the counter terminals' ops allow "counter".
var requestRules = map[Op]requestRule{
	OpTicket:        {needs: []string{"service"}, allows: []string{"priority", "lang", "hold"}},
	OpOfflineTicket: {needs: []string{"service", "ticket", "issued"}, allows: []string{"replaces", "priority", "lang"}},
	OpPrinted:       {needs: []string{"ticket"}},
	OpVoid:          {needs: []string{"ticket"}, allows: []string{"reason"}},

	OpCallNext:   {allows: []string{"counter"}},
	OpCallAgain:  {allows: []string{"counter"}},
	OpComplete:   {allows: []string{"counter"}},
	OpNoShow:     {allows: []string{"reason", "counter"}},
	OpTransfer:   {oneOf: [2]string{"to_service", "to_counter"}, allows: []string{"to_service", "to_counter", "counter"}},
	OpPark:       {allows: []string{"counter"}},
	OpRecall:     {needs: []string{"ticket"}, allows: []string{"counter"}},
	OpCallTicket: {needs: []string{"ticket"}, allows: []string{"counter"}},
	OpPause:      {allows: []string{"reason", "counter"}},
	OpResume:     {allows: []string{"counter"}},
	OpRate:       {needs: []string{"rating"}, allows: []string{"counter"}},
}

func (rule requestRule) uses(field string) bool {
	return slices.Contains(rule.needs, field) || slices.Contains(rule.allows, field)
}

// requestField is one field of a request as Validate sees it.
type requestField struct {
	name string
	// value is the field as text, "" when it is left out.
	value func(*Request) string
	// check refuses a value that is given but wrong; nil when any will do.
	check func(field, value string) error
	// needed ends the refusal of a needed field left out, "<op> needs
	// <needed>"; "it" when empty.
	needed string
	// unused ends the refusal of a field the op does not use.
	unused string
}

// requestFields are the fields ops need or allow, in the order in which
// they are refused as not used, so that the field named is always the same
// one.
var requestFields = []requestField{
	{name: "service", value: func(r *Request) string { return r.Service }, check: CheckID},
	{name: "priority", value: func(r *Request) string { return string(r.Priority) }, check: checkPriority},
	{name: "lang", value: func(r *Request) string { return r.Lang }, check: checkLanguage},
	{name: "counter", value: func(r *Request) string { return r.Counter }, check: CheckID},
	{name: "ticket", value: func(r *Request) string { return r.Ticket }, check: checkNumber},
	{name: "to_service", value: func(r *Request) string { return r.ToService }, check: CheckID},
	{name: "to_counter", value: func(r *Request) string { return r.ToCounter }, check: CheckID},
	{name: "rating", value: func(r *Request) string { return string(r.Rating) }, check: checkRating},
	{name: "reason", value: func(r *Request) string { return r.Reason }, check: checkReason},
	{name: "replaces", value: func(r *Request) string { return r.Replaces }, check: checkReplaces},
	{name: "issued", value: issuedText, needed: "the time the kiosk issued it"},
	{name: "hold", value: holdText, unused: "; only a ticket request is held"},
}

// requestFieldsByName finds the fields the rules name.
var requestFieldsByName = func() map[string]*requestField {
	byName := make(map[string]*requestField, len(requestFields))
	for i := range requestFields {
		byName[requestFields[i].name] = &requestFields[i]
	}
	return byName
}()

func issuedText(r *Request) string {
	if r.Issued.IsZero() {
		return ""
	}
	return r.Issued.Format(time.RFC3339Nano)
}

func holdText(r *Request) string {
	if r.Hold {
		return "true"
	}
	return ""
}

func checkPriority(field, value string) error {
	if !slices.Contains(Priorities, Priority(value)) {
		return invalid(field, "unknown class %q", value)
	}
	return nil
}

func checkLanguage(field, value string) error {
	if !slices.Contains(Languages, value) {
		return invalid(field, "unknown language %q; use one of %s", value, strings.Join(Languages, ", "))
	}
	return nil
}

func checkRating(field, value string) error {
	if !slices.Contains(Ratings, Rating(value)) {
		return invalid(field, "unknown rating %q", value)
	}
	return nil
}

func checkReason(field, value string) error {
	if len(value) > maxReason {
		return invalid(field, "%d bytes, at most %d", len(value), maxReason)
	}
	return nil
}

func checkReplaces(field, value string) error {
	if !keyPattern.MatchString(value) {
		return invalid(field, "not a request key")
	}
	return nil
}

// Validate checks the fields the operation needs and refuses the others,
// as requestRules says.
func (r *Request) Validate() error {
	if !keyPattern.MatchString(r.Key) {
		if r.Key == "" {
			return invalid("key", "missing: every request needs an idempotency key")
		}
		return invalid("key", "use 1 to 64 printable ASCII characters without spaces")
	}
	rule, ok := requestRules[r.Op]
	if !ok {
		if r.Op == "" {
			return invalid("op", "missing")
		}
		return invalid("op", "unknown operation %q", r.Op)
	}
	if err := r.checkOneOf(rule.oneOf); err != nil {
		return err
	}
	for i, name := range slices.Concat(rule.needs, rule.allows) {
		field := requestFieldsByName[name]
		value := field.value(r)
		switch {
		case value == "" && i < len(rule.needs):
			needed := field.needed
			if needed == "" {
				needed = "it"
			}
			return invalid(name, "missing: %s needs %s", r.Op, needed)
		case value != "" && field.check != nil:
			if err := field.check(name, value); err != nil {
				return err
			}
		}
	}
	for _, field := range requestFields {
		if field.value(r) != "" && !rule.uses(field.name) {
			return invalid(field.name, "not used by %s%s", r.Op, field.unused)
		}
	}
	return nil
}

// checkOneOf checks that exactly one of two fields is given.
func (r *Request) checkOneOf(fields [2]string) error {
	first, second := fields[0], fields[1]
	if first == "" {
		return nil
	}
	hasFirst := requestFieldsByName[first].value(r) != ""
	hasSecond := requestFieldsByName[second].value(r) != ""
	switch {
	case !hasFirst && !hasSecond:
		return invalid(first, "missing: %s needs %s or %s", r.Op, first, second)
	case hasFirst && hasSecond:
		return invalid(second, "give %s or %s, not both", first, second)
	}
	return nil
}
