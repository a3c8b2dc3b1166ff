package protocol

import (
	"errors"
	"regexp"
	"time"
)

// The checks the payloads' validators share.

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
