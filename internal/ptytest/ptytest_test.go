package ptytest_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/sothutu/sothutu/internal/ptytest"
)

// Raw mode: bytes a tty would translate or act on pass unchanged both ways.
func TestRawBothWays(t *testing.T) {
	pair := ptytest.Open(t)
	terminal, err := os.OpenFile(pair.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer terminal.Close()
	sent := []byte("A\r\n\x03\x1b\x00\x11\x13\xff")
	tests := []struct {
		name     string
		from, to *os.File
	}{
		{"terminal to master", terminal, pair.Master},
		{"master to terminal", pair.Master, terminal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.from.Write(sent); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(sent))
			if _, err := io.ReadFull(tt.to, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, sent) {
				t.Errorf("read %q, want %q", got, sent)
			}
		})
	}
}

// Close may be called before the test's own cleanup closes the pair again.
func TestCloseTwice(t *testing.T) {
	pair := ptytest.Open(t)
	pair.Close()
	pair.Close()
	if _, err := pair.Master.Write([]byte{0}); err == nil {
		t.Error("Write on a closed master succeeded")
	}
}
