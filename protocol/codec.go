package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Payload is any message of this protocol.
type Payload interface {
	Request | Reply | CounterState | ServiceState | BoardState | Call | ControllerState | Presence | AdviceState | AlertState | Figures | FiguresAck
}

// Encode validates p, stamps it and the payloads it holds with Version and
// returns its canonical JSON: fields in struct order, no HTML escaping, no
// trailing newline, empty board lists as []. p itself is not modified.
func Encode[T Payload](p T) ([]byte, error) {
	stamp(&p)
	if err := validate(&p); err != nil {
		return nil, err
	}
	b, err := marshal(&p)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxPayload)
	}
	return b, nil
}

// marshal is the canonical encoding. HTML escaping is off so that text reads
// the same on the wire as on the screen.
func marshal(p any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("json.Encoder.Encode: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// stamp sets the version of p and of the payloads it holds, and gives lists
// the one form that survives a round trip: a board's lists are never nil
// (always on the wire), a counter's never empty (left out when empty). It
// copies what it changes below p, so the caller's slices and pointers are
// left alone.
func stamp(p any) {
	switch v := p.(type) {
	case *Request:
		v.V = Version
	case *Reply:
		v.V = Version
		if v.Counter != nil {
			c := *v.Counter
			stamp(&c)
			v.Counter = &c
		}
	case *CounterState:
		v.V = Version
		if len(v.Parked) == 0 {
			v.Parked = nil
		}
		if len(v.Services) == 0 {
			v.Services = nil
		}
	case *ServiceState:
		v.V = Version
	case *BoardState:
		v.V = Version
		v.Current = stampCalls(v.Current)
		v.Recent = stampCalls(v.Recent)
	case *Call:
		v.V = Version
	case *ControllerState:
		v.V = Version
	case *AdviceState:
		v.V = Version
		if v.Moves == nil {
			v.Moves = []Move{}
		}
	case *AlertState:
		v.V = Version
		if v.Alerts == nil {
			v.Alerts = []Alert{}
		}
	case *Figures:
		v.V = Version
		if v.Services == nil {
			v.Services = []ServiceFigures{}
		}
	case *FiguresAck:
		v.V = Version
	case *Presence:
		v.V = Version
	}
}

func stampCalls(calls []Call) []Call {
	out := make([]Call, len(calls))
	copy(out, calls)
	for i := range out {
		out[i].V = Version
	}
	return out
}

// Decode parses and validates a payload. Unknown fields are refused, so a
// misspelt field is an error rather than a silent default. The errors wrap
// ErrTooLarge, ErrMalformed, ErrVersion or ErrInvalid, and ReplyError turns
// them into a reply's error naming the field.
//
// On error the value returned is zero, except that a Request keeps its key
// and op when they could be read and are well formed (its op not when the
// version is another): the controller answers with them, so the device can
// match the refusal to what it sent.
//
// Whatever Decode accepts, Encode encodes: a payload whose canonical form
// would exceed MaxPayload is refused too.
func Decode[T Payload](data []byte) (T, error) {
	var p T
	if err := decode(data, &p); err != nil {
		var zero T
		if r, ok := any(&zero).(*Request); ok {
			r.Key, r.Op = address(data)
			if errors.Is(err, ErrVersion) {
				// The op of another version may mean something else.
				r.Op = ""
			}
		}
		return zero, err
	}
	return p, nil
}

func decode(data []byte, p any) error {
	if len(data) > MaxPayload {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), MaxPayload)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	body := bytes.TrimLeft(data, " \t\r\n")
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrMalformed)
	}
	if body[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	// The version first: a payload of another version may have other fields.
	// json.Unmarshal also checks that data is one JSON value and nothing after.
	var head struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return jsonError(err)
	}
	if head.V == nil {
		return invalid("v", "missing; this side speaks protocol version %d", Version)
	}
	if *head.V != Version {
		return fmt.Errorf("%w: version %d, this side speaks %d", ErrVersion, *head.V, Version)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return jsonError(err)
	}
	if len(bytes.TrimRight(data[dec.InputOffset():], " \t\r\n")) != 0 {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	if err := validate(p); err != nil {
		return err
	}
	stamp(p)
	b, err := marshal(p)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(b) > MaxPayload {
		return fmt.Errorf("%w: %d bytes once encoded, at most %d", ErrTooLarge, len(b), MaxPayload)
	}
	return nil
}

// address reads a request's key and op, as far as they can be read, from a
// payload that failed to decode.
func address(data []byte) (string, Op) {
	if len(data) > MaxPayload {
		return "", ""
	}
	var a struct {
		Key string `json:"key"`
		Op  Op     `json:"op"`
	}
	_ = json.Unmarshal(data, &a) // best effort: what cannot be read stays empty
	if !keyPattern.MatchString(a.Key) {
		a.Key = ""
	}
	if !slices.Contains(Ops, a.Op) {
		a.Op = ""
	}
	return a.Key, a.Op
}

// jsonError turns encoding/json's errors into this package's: a field of the
// wrong type or an unknown field is invalid and named, the rest is malformed.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("%w: expected a JSON object, got %s", ErrMalformed, te.Value)
		}
		return invalid(te.Field, "expected %s, got %s", describe(te.Type), te.Value)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		if n, err := strconv.Unquote(name); err == nil {
			name = n
		}
		return invalid(name, "unknown field; this side speaks protocol version %d", Version)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: time %q: use RFC 3339, like 2026-11-23T08:15:02+07:00", ErrMalformed, pe.Value)
	}
	return fmt.Errorf("%w: %s", ErrMalformed, strings.TrimPrefix(msg, "json: "))
}

// describe names a Go type the way a JSON writer thinks of it.
func describe(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Pointer, reflect.Map:
		return "an object"
	}
	return t.String()
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
		return v.Validate()
	case *AdviceState:
		return v.Validate()
	case *AlertState:
		return v.Validate()
	case *Figures:
		return v.Validate()
	case *FiguresAck:
		return v.Validate()
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

func checkNumber(field, number string) error {
	if !numberPattern.MatchString(number) {
		return invalid(field, "%q is not a ticket number: use 1 to 12 letters or digits", number)
	}
	return nil
}

// checkDay checks a local date, "2026-11-23", when there is one.
func checkDay(field, day string) error {
	if day == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return invalid(field, "%q: use a date like 2026-11-23", day)
	}
	return nil
}

// checkNested checks the version of a payload held in another: 0 (not
// stamped yet) or Version.
func checkNested(field string, v int) error {
	if v != 0 && v != Version {
		return invalid(field, "version %d inside a version %d payload", v, Version)
	}
	return nil
}

// within names the field of a nested payload's error from the outer payload.
func within(prefix string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &fieldError{field: prefix + "." + fe.field, msg: fe.msg}
	}
	return err
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
	case OpTicket, OpOfflineTicket:
		if err = need("service", r.Service); err == nil {
			err = CheckID("service", r.Service)
		}
		allow("priority", "lang")
		if err == nil && r.Op == OpOfflineTicket {
			allow("replaces")
			if err = need("ticket", r.Ticket); err == nil {
				err = checkNumber("ticket", r.Ticket)
			}
			if err == nil && r.Issued.IsZero() {
				err = invalid("issued", "missing: offline_ticket needs the time the kiosk issued it")
			}
			if err == nil && r.Replaces != "" && !keyPattern.MatchString(r.Replaces) {
				err = invalid("replaces", "not a request key")
			}
		}
		if err == nil && r.Priority != PriorityNone && !slices.Contains(Priorities, r.Priority) {
			err = invalid("priority", "unknown class %q", r.Priority)
		}
		if err == nil && r.Lang != "" && !slices.Contains(Languages, r.Lang) {
			err = invalid("lang", "unknown language %q; use one of %s", r.Lang, strings.Join(Languages, ", "))
		}
	case OpRecall, OpCallTicket, OpPrinted, OpVoid:
		if err = need("ticket", r.Ticket); err == nil {
			err = checkNumber("ticket", r.Ticket)
		}
		if err == nil && r.Op == OpVoid {
			allow("reason")
			if len(r.Reason) > maxReason {
				err = invalid("reason", "%d bytes, at most %d", len(r.Reason), maxReason)
			}
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
	if !slices.Contains(kioskOps, r.Op) {
		allow("counter")
		if r.Counter != "" {
			if err := CheckID("counter", r.Counter); err != nil {
				return err
			}
		}
	}
	// In struct order, so that the field named is always the same one.
	for _, f := range []struct{ name, value string }{
		{"service", r.Service}, {"priority", string(r.Priority)}, {"lang", r.Lang},
		{"counter", r.Counter}, {"ticket", r.Ticket}, {"to_service", r.ToService},
		{"to_counter", r.ToCounter}, {"rating", string(r.Rating)}, {"reason", r.Reason},
		{"replaces", r.Replaces},
	} {
		if f.value != "" && !allowed[f.name] {
			return invalid(f.name, "not used by %s", r.Op)
		}
	}
	if !r.Issued.IsZero() && r.Op != OpOfflineTicket {
		return invalid("issued", "not used by %s", r.Op)
	}
	if r.Hold && r.Op != OpTicket {
		return invalid("hold", "not used by %s; only a ticket request is held", r.Op)
	}
	return nil
}

// kioskOps are the requests of kiosks, which act for no counter.
var kioskOps = []Op{OpTicket, OpOfflineTicket, OpPrinted, OpVoid}

// Validate checks a reply. A refusal (OK false) may have an empty key and op:
// those of a request that could not be read.
func (r *Reply) Validate() error {
	if r.OK == (r.Error != nil) {
		if r.OK {
			return invalid("error", "a reply with ok true has no error")
		}
		return invalid("error", "missing: a reply with ok false needs one")
	}
	if (r.OK || r.Key != "") && !keyPattern.MatchString(r.Key) {
		return invalid("key", "missing or not a key")
	}
	if (r.OK || r.Op != "") && !slices.Contains(Ops, r.Op) {
		return invalid("op", "unknown operation %q", r.Op)
	}
	if r.Ticket != nil {
		if err := r.Ticket.Validate(); err != nil {
			return err
		}
	}
	if r.Counter != nil {
		if err := checkNested("counter.v", r.Counter.V); err != nil {
			return err
		}
		if err := r.Counter.Validate(); err != nil {
			return within("counter", err)
		}
	}
	return nil
}

// Validate checks a ticket. Its fields are named "ticket.number" and so on.
func (t *Ticket) Validate() error {
	if err := checkNumber("ticket.number", t.Number); err != nil {
		return err
	}
	if err := CheckID("ticket.service", t.Service); err != nil {
		return err
	}
	if t.Priority != PriorityNone && !slices.Contains(Priorities, t.Priority) {
		return invalid("ticket.priority", "unknown class %q", t.Priority)
	}
	if t.Lang != "" && !slices.Contains(Languages, t.Lang) {
		return invalid("ticket.lang", "unknown language %q", t.Lang)
	}
	if t.Ahead < 0 {
		return invalid("ticket.ahead", "negative")
	}
	if t.WaitSeconds < 0 {
		return invalid("ticket.wait_s", "negative")
	}
	return checkDay("ticket.day", t.Day)
}

// Validate checks a counter state.
func (s *CounterState) Validate() error {
	if err := CheckID("counter", s.Counter); err != nil {
		return err
	}
	if !slices.Contains(CounterStatuses, s.Status) {
		return invalid("status", "unknown counter status %q", s.Status)
	}
	if (s.Status == CounterServing) != (s.Ticket != "") {
		return invalid("ticket", "a counter has a ticket exactly when it is serving")
	}
	if s.Ticket != "" {
		if err := checkNumber("ticket", s.Ticket); err != nil {
			return err
		}
	}
	if s.Service != "" {
		if err := CheckID("service", s.Service); err != nil {
			return err
		}
	}
	for i, n := range s.Parked {
		if err := checkNumber(fmt.Sprintf("parked[%d]", i), n); err != nil {
			return err
		}
	}
	for i, id := range s.Services {
		if err := CheckID(fmt.Sprintf("services[%d]", i), id); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a service state.
func (s *ServiceState) Validate() error {
	if err := CheckID("service", s.Service); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		value int
	}{
		{"waiting", s.Waiting}, {"longest_wait_s", s.LongestWaitSeconds},
		{"wait_s", s.WaitSeconds}, {"issued", s.Issued}, {"served", s.Served},
	} {
		if f.value < 0 {
			return invalid(f.name, "negative")
		}
	}
	if len(s.Prefix) > 3 || !numberPattern.MatchString(s.Prefix+"0") {
		return invalid("prefix", "%q: use 1 to 3 letters or digits", s.Prefix)
	}
	if s.Width < 0 || s.Width > 6 {
		return invalid("width", "%d: use 1 to 6 digits", s.Width)
	}
	for lang, name := range s.Names {
		if !slices.Contains(Languages, lang) {
			return invalid("names", "unknown language %q; use one of %s", lang, strings.Join(Languages, ", "))
		}
		if len(name) > maxName {
			return invalid("names", "%d bytes, at most %d", len(name), maxName)
		}
	}
	return nil
}

// maxName bounds a service name in bytes: about 60 Vietnamese letters.
const maxName = 180

// Validate checks a call.
func (c *Call) Validate() error {
	if err := checkNumber("ticket", c.Ticket); err != nil {
		return err
	}
	if err := CheckID("service", c.Service); err != nil {
		return err
	}
	if err := CheckID("counter", c.Counter); err != nil {
		return err
	}
	if c.Repeat < 0 {
		return invalid("repeat", "negative")
	}
	return nil
}

// MaxBoardCalls bounds each list of a board state. It is small enough that
// any valid board fits in MaxPayload.
const MaxBoardCalls = 20

// Validate checks a board state.
func (b *BoardState) Validate() error {
	for _, l := range []struct {
		name  string
		calls []Call
	}{{"current", b.Current}, {"recent", b.Recent}} {
		if len(l.calls) > MaxBoardCalls {
			return invalid(l.name, "%d calls, at most %d", len(l.calls), MaxBoardCalls)
		}
		for i := range l.calls {
			at := fmt.Sprintf("%s[%d]", l.name, i)
			if err := checkNested(at+".v", l.calls[i].V); err != nil {
				return err
			}
			if err := l.calls[i].Validate(); err != nil {
				return within(at, err)
			}
		}
	}
	return nil
}

// Validate checks a controller state.
func (s *ControllerState) Validate() error {
	return checkDay("day", s.Day)
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
	if h := p.Health; h != nil {
		if !slices.Contains(HealthStatuses, h.Status) {
			return invalid("health.status", "unknown health status %q", h.Status)
		}
		if h.UptimeSeconds < 0 {
			return invalid("health.uptime_s", "negative")
		}
		if h.Printer != "" && !slices.Contains(PrinterStates, h.Printer) {
			return invalid("health.printer", "unknown printer state %q", h.Printer)
		}
	}
	return nil
}

// MaxAlerts bounds the alerts of an alert state.
const MaxAlerts = 100

// Validate checks an alert state.
func (a *AlertState) Validate() error {
	if len(a.Alerts) > MaxAlerts {
		return invalid("alerts", "%d alerts, at most %d", len(a.Alerts), MaxAlerts)
	}
	for i, al := range a.Alerts {
		field := func(f string) string { return fmt.Sprintf("alerts[%d].%s", i, f) }
		if !slices.Contains(AlertKinds, al.Kind) {
			return invalid(field("kind"), "%q is not an alert kind (%v)", al.Kind, AlertKinds)
		}
		if err := CheckID(field("subject"), al.Subject); err != nil {
			return err
		}
		if al.ID <= 0 {
			return invalid(field("id"), "must be positive")
		}
		if al.Since.IsZero() {
			return invalid(field("since"), "missing")
		}
		if len(al.Detail) > 200 {
			return invalid(field("detail"), "%d bytes, at most 200", len(al.Detail))
		}
	}
	return nil
}

// MaxMoves bounds the moves of an advice state.
const MaxMoves = 20

// Validate checks an advice state.
func (a *AdviceState) Validate() error {
	if len(a.Moves) > MaxMoves {
		return invalid("moves", "%d moves, at most %d", len(a.Moves), MaxMoves)
	}
	for i, m := range a.Moves {
		field := func(f string) string { return fmt.Sprintf("moves[%d].%s", i, f) }
		if err := CheckID(field("counter"), m.Counter); err != nil {
			return err
		}
		if m.Return != (m.Service == "") {
			return invalid(field("service"), "a move names a service, a return does not")
		}
		if m.Service != "" {
			if err := CheckID(field("service"), m.Service); err != nil {
				return err
			}
		}
		if len(m.Services) == 0 || len(m.Services) > 20 {
			return invalid(field("services"), "%d services; a counter serves 1 to 20", len(m.Services))
		}
		for _, s := range m.Services {
			if err := CheckID(field("services"), s); err != nil {
				return err
			}
		}
		if m.WaitSeconds < 0 || m.AfterSeconds < 0 || m.TargetSeconds < 0 {
			return invalid(field("wait_s"), "negative")
		}
	}
	return nil
}
