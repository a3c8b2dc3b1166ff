package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxPayload is the largest payload either side accepts, in bytes.
const MaxPayload = 8 << 10

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
		v.Moves = orEmpty(v.Moves)
	case *AlertState:
		v.V = Version
		v.Alerts = orEmpty(v.Alerts)
	case *Figures:
		v.V = Version
		v.Services = orEmpty(v.Services)
	case *FiguresAck:
		v.V = Version
	case *Presence:
		v.V = Version
	}
}

// orEmpty is list, or an empty list for nil: a list these payloads carry
// is [] on the wire, never null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
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
