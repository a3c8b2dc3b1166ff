// Package devconfigtest checks a device program's configuration errors
// against its example file: each mistake is one change to the example, so
// that the example stays the one place a field is spelt and a test fails
// when the example no longer holds what a mistake changes.
package devconfigtest

import (
	"strings"
	"testing"
)

// Mistake replaces the first from in example with to, parses the result
// as the file name, and fails the test unless parse refuses it with an
// error that says every one of want.
func Mistake[T any](t testing.TB, parse func(name string, data []byte) (*T, error), name string, example []byte, from, to string, want ...string) {
	t.Helper()
	if !strings.Contains(string(example), from) {
		t.Fatalf("the example has no %q", from)
	}
	_, err := parse(name, []byte(strings.Replace(string(example), from, to, 1)))
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}
