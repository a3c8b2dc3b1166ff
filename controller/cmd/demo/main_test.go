package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The demo runs a short morning end to end and its summary adds up.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	f := flags{dir: dir, speed: 600, start: "08:00", hours: 0.4, perDay: 600, seed: 3, http: "127.0.0.1:0"}
	if err := run(context.Background(), f, &out, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	number := func(label string) int {
		m := regexp.MustCompile(`(?m)^\s+` + label + `\s+(\d+)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no %q in the summary:\n%s", label, text)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if !regexp.MustCompile(`web pages: http://127\.0\.0\.1:\d+/`).MatchString(text) {
		t.Errorf("no address of the web pages:\n%s", text)
	}
	issued, served := number("issued"), number("served")
	if issued == 0 || served == 0 || served > issued {
		t.Errorf("issued %d, served %d:\n%s", issued, served, text)
	}
	if errs := number("device errors"); errs != 0 {
		t.Errorf("%d device errors:\n%s", errs, text)
	}
	printed, err := filepath.Glob(filepath.Join(dir, "tickets", "*.txt"))
	if err != nil || len(printed) != issued {
		t.Errorf("%d tickets printed, %d issued", len(printed), issued)
	}
	if len(printed) > 0 {
		b, _ := os.ReadFile(printed[0])
		if !strings.Contains(string(b), "PHIẾU SỐ THỨ TỰ") || !strings.Contains(string(b), "Số người đang chờ") {
			t.Errorf("printed ticket:\n%s", b)
		}
	}
}
