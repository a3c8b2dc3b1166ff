package protocol

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on. Decode and Validate wrap them with the
// field and what is wrong; errors.Is finds them.
var (
	ErrTooLarge  = errors.New("payload too large")
	ErrMalformed = errors.New("malformed payload")
	ErrVersion   = errors.New("unsupported protocol version")
	ErrInvalid   = errors.New("invalid field")
	ErrTopic     = errors.New("bad topic")
)

// Error codes carried in a reply's error. Devices branch on the code; the
// message is for people.
const (
	CodeMalformed      = "malformed"       // the request could not be decoded
	CodeVersion        = "version"         // the request's protocol version is not spoken here
	CodeInvalid        = "invalid"         // a field is missing or wrong; Field names it
	CodeUnknownService = "unknown_service" // no such service at this centre
	CodeUnknownCounter = "unknown_counter" // no such counter at this centre
	CodeUnknownTicket  = "unknown_ticket"  // no such ticket today
	CodeNotAllowed     = "not_allowed"     // this device may not do this (wrong kind, another counter)
	CodeNoTicket       = "no_ticket"       // the counter has no current ticket for this command
	CodeConflict       = "conflict"        // the ticket is not in a state that allows this
	CodeInternal       = "internal"        // the controller failed; the request may be retried
)

// Error is the error part of a reply.
type Error struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return e.Code + ": " + e.Message
}

// fieldError is a validation failure of one field.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }
func (e *fieldError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// ReplyError turns an error from Decode or Validate into a reply's error.
func ReplyError(err error) *Error {
	var re *Error
	if errors.As(err, &re) {
		return re
	}
	var fe *fieldError
	switch {
	case errors.As(err, &fe):
		return &Error{Code: CodeInvalid, Field: fe.field, Message: fe.msg}
	case errors.Is(err, ErrVersion):
		return &Error{Code: CodeVersion, Message: err.Error()}
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrMalformed):
		return &Error{Code: CodeMalformed, Message: err.Error()}
	}
	return &Error{Code: CodeInternal, Message: err.Error()}
}
