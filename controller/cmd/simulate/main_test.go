package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// A short run prints a table per scenario and the printed-wait table; the
// same seed prints the same tables.
func TestRun(t *testing.T) {
	f := flags{days: 2, seed: 1, scenarios: "commune", parallel: 2}
	var a, b bytes.Buffer
	if err := run(context.Background(), f, &a, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), f, &b, io.Discard); err != nil {
		t.Fatal(err)
	}
	out := a.String()
	for _, want := range []string{"### commune", "| balance (ours) |", "| pooled FCFS (anchor) |", "### Printed wait"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	tables := func(s string) string { return s[:strings.LastIndex(s, "\n1 scenarios")] }
	if tables(a.String()) != tables(b.String()) {
		t.Errorf("two runs with the same seed printed different tables")
	}
	if err := run(context.Background(), flags{days: 1, scenarios: "nowhere"}, io.Discard, io.Discard); err == nil {
		t.Errorf("an unknown scenario ran")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, f, io.Discard, io.Discard); err == nil {
		t.Errorf("a cancelled run succeeded")
	}
}
