package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Payload is any message of this protocol.
type Payload interface {
	Request | Reply | CounterState | ServiceState | BoardState | Call | ControllerState | Presence
}

// Encode validates p, stamps it with Version and returns its JSON.
func Encode[T Payload](p T) ([]byte, error) {
	switch v := any(&p).(type) {
	case *Request:
		v.V = Version
	case *Reply:
		v.V = Version
	case *CounterState:
		v.V = Version
	case *ServiceState:
		v.V = Version
	case *BoardState:
		v.V = Version
	case *Call:
		v.V = Version
	case *ControllerState:
		v.V = Version
	case *Presence:
		v.V = Version
	}
	if err := validate(&p); err != nil {
		return nil, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("json.Marshal: %w", err)
	}
	if len(b) > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxPayload)
	}
	return b, nil
}

// Decode parses and validates a payload. Unknown fields are refused, so a
// misspelt field is an error rather than a silent default. The errors wrap
// ErrTooLarge, ErrMalformed, ErrVersion or ErrInvalid and name the field.
func Decode[T Payload](data []byte) (T, error) {
	var p T
	if len(data) > MaxPayload {
		return p, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), MaxPayload)
	}
	if !utf8.Valid(data) {
		return p, fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	var head struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return p, fmt.Errorf("%w: %s", ErrMalformed, jsonMessage(err))
	}
	if head.V == nil {
		return p, invalid("v", "missing; this side speaks protocol version %d", Version)
	}
	if *head.V != Version {
		return p, fmt.Errorf("%w: version %d, this side speaks %d", ErrVersion, *head.V, Version)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("%w: %s", ErrMalformed, jsonMessage(err))
	}
	if dec.More() {
		return p, fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	if err := validate(&p); err != nil {
		return p, err
	}
	return p, nil
}

// jsonMessage rewords encoding/json's errors to name the field.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("field %q: expected %s, got %s", te.Field, te.Type, te.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}

func validate(p any) error {
	switch v := p.(type) {
	case *Request:
		return v.Validate()
	case *Reply:
		return v.Validate()
	case *CounterState:
		return v.Validate()
	case *ServiceState:
		return v.Validate()
	case *BoardState:
		return v.Validate()
	case *Call:
		return v.Validate()
	case *ControllerState:
		return nil
	case *Presence:
		return v.Validate()
	}
	return nil
}

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	keyPattern    = regexp.MustCompile(`^[\x21-\x7e]{1,64}$`)
	numberPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,12}$`)
)

// CheckID reports whether id can name a centre, device, counter or service:
// 1 to 32 letters, digits, '-' or '_' (no topic separators or wildcards).
func CheckID(field, id string) error {
	if id == "" {
		return invalid(field, "missing")
	}
	if !idPattern.MatchString(id) {
		return invalid(field, "%q: use 1 to 32 letters, digits, '-' or '_'", id)
	}
	return nil
}

// Languages a ticket may be printed and announced in.
var Languages = []string{"vi", "en", "km"}

const maxReason = 200

// Validate checks the fields the operation needs and refuses the others.
func (r *Request) Validate() error {
	if !keyPattern.MatchString(r.Key) {
		if r.Key == "" {
			return invalid("key", "missing: every request needs an idempotency key")
		}
		return invalid("key", "use 1 to 64 printable ASCII characters without spaces")
	}
	if !slices.Contains(Ops, r.Op) {
		if r.Op == "" {
			return invalid("op", "missing")
		}
		return invalid("op", "unknown operation %q", r.Op)
	}
	allowed := map[string]bool{}
	need := func(field, value string) error {
		allowed[field] = true
		if value == "" {
			return invalid(field, "missing: %s needs it", r.Op)
		}
		return nil
	}
	allow := func(fields ...string) {
		for _, f := range fields {
			allowed[f] = true
		}
	}
	var err error
	switch r.Op {
	case OpTicket:
		if err = need("service", r.Service); err == nil {
			err = CheckID("service", r.Service)
		}
		allow("priority", "lang")
		if err == nil && r.Priority != PriorityNone && !slices.Contains(Priorities, r.Priority) {
			err = invalid("priority", "unknown class %q", r.Priority)
		}
		if err == nil && r.Lang != "" && !slices.Contains(Languages, r.Lang) {
			err = invalid("lang", "unknown language %q; use one of %s", r.Lang, strings.Join(Languages, ", "))
		}
	case OpRecall, OpCallTicket:
		if err = need("ticket", r.Ticket); err == nil && !numberPattern.MatchString(r.Ticket) {
			err = invalid("ticket", "%q is not a ticket number", r.Ticket)
		}
	case OpTransfer:
		allow("to_service", "to_counter")
		switch {
		case r.ToService == "" && r.ToCounter == "":
			err = invalid("to_service", "missing: transfer needs to_service or to_counter")
		case r.ToService != "" && r.ToCounter != "":
			err = invalid("to_counter", "give to_service or to_counter, not both")
		case r.ToService != "":
			err = CheckID("to_service", r.ToService)
		default:
			err = CheckID("to_counter", r.ToCounter)
		}
	case OpRate:
		if err = need("rating", string(r.Rating)); err == nil && !slices.Contains(Ratings, r.Rating) {
			err = invalid("rating", "unknown rating %q", r.Rating)
		}
	case OpPause, OpNoShow:
		allow("reason")
		if len(r.Reason) > maxReason {
			err = invalid("reason", "%d bytes, at most %d", len(r.Reason), maxReason)
		}
	}
	if err != nil {
		return err
	}
	if r.Op != OpTicket {
		allow("counter")
		if r.Counter != "" {
			if err := CheckID("counter", r.Counter); err != nil {
				return err
			}
		}
	}
	for field, value := range map[string]string{
		"service": r.Service, "priority": string(r.Priority), "lang": r.Lang,
		"counter": r.Counter, "ticket": r.Ticket, "to_service": r.ToService,
		"to_counter": r.ToCounter, "rating": string(r.Rating), "reason": r.Reason,
	} {
		if value != "" && !allowed[field] {
			return invalid(field, "not used by %s", r.Op)
		}
	}
	return nil
}

// Validate checks a reply.
func (r *Reply) Validate() error {
	if !keyPattern.MatchString(r.Key) {
		return invalid("key", "missing or not a key")
	}
	if !slices.Contains(Ops, r.Op) {
		return invalid("op", "unknown operation %q", r.Op)
	}
	if r.OK == (r.Error != nil) {
		return invalid("error", "ok and error disagree")
	}
	if r.Ticket != nil {
		if err := r.Ticket.Validate(); err != nil {
			return err
		}
	}
	if r.Counter != nil {
		if err := r.Counter.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a ticket.
func (t *Ticket) Validate() error {
	if !numberPattern.MatchString(t.Number) {
		return invalid("ticket.number", "%q is not a ticket number", t.Number)
	}
	if err := CheckID("ticket.service", t.Service); err != nil {
		return err
	}
	if t.Ahead < 0 || t.WaitSeconds < 0 {
		return invalid("ticket.ahead", "negative")
	}
	return nil
}

var counterStatuses = []CounterStatus{CounterClosed, CounterIdle, CounterServing, CounterPaused}

// Validate checks a counter state.
func (s *CounterState) Validate() error {
	if err := CheckID("counter", s.Counter); err != nil {
		return err
	}
	if !slices.Contains(counterStatuses, s.Status) {
		return invalid("status", "unknown counter status %q", s.Status)
	}
	if (s.Status == CounterServing) != (s.Ticket != "") {
		return invalid("ticket", "a counter has a ticket exactly when it is serving")
	}
	return nil
}

// Validate checks a service state.
func (s *ServiceState) Validate() error {
	if err := CheckID("service", s.Service); err != nil {
		return err
	}
	if s.Waiting < 0 || s.LongestWaitSeconds < 0 || s.WaitSeconds < 0 {
		return invalid("waiting", "negative")
	}
	return nil
}

// Validate checks a call.
func (c *Call) Validate() error {
	if !numberPattern.MatchString(c.Ticket) {
		return invalid("ticket", "%q is not a ticket number", c.Ticket)
	}
	if err := CheckID("service", c.Service); err != nil {
		return err
	}
	return CheckID("counter", c.Counter)
}

// MaxBoardCalls bounds the lists of a board state.
const MaxBoardCalls = 50

// Validate checks a board state.
func (b *BoardState) Validate() error {
	if len(b.Current) > MaxBoardCalls || len(b.Recent) > MaxBoardCalls {
		return invalid("recent", "at most %d calls", MaxBoardCalls)
	}
	for i := range b.Current {
		if err := b.Current[i].Validate(); err != nil {
			return err
		}
	}
	for i := range b.Recent {
		if err := b.Recent[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}

var deviceKinds = []DeviceKind{DeviceKiosk, DeviceCounter, DeviceBoard}

// Validate checks a presence message.
func (p *Presence) Validate() error {
	if err := CheckID("device", p.Device); err != nil {
		return err
	}
	if !slices.Contains(deviceKinds, p.Kind) {
		return invalid("kind", "unknown device kind %q", p.Kind)
	}
	return nil
}
